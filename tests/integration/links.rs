//! Links: each direction of a peer's access link is a FIFO server, and a
//! message's time on it is `8 x kB / Mbps`; checked exactly on lone
//! messages, against Pollaczek-Khinchine for a queue of replies, and by
//! the books (what the links carried is what the attempts sent).

use std::collections::BTreeMap;
use std::path::Path;

use p2c2g::engine::SimTime;
use p2c2g::model::link::Carried;
use p2c2g::model::{
    AttemptOutcome, AttemptRecord, Churn, Config, Dist, FrameRecord, Leave, Recorder, Report,
    Sessions, Simulation,
};
use p2c2g::scenario::Source;

use crate::common::interval;

#[derive(Default)]
struct Records {
    frames: Vec<FrameRecord>,
    attempts: Vec<AttemptRecord>,
}

impl Recorder for Records {
    fn frame(&mut self, f: &FrameRecord) {
        self.frames.push(f.clone());
    }
    fn attempt(&mut self, a: &AttemptRecord) {
        self.attempts.push(a.clone());
    }
}

fn config(text: &str) -> Config {
    let source = Source::parse(Path::new("links.toml"), text.to_string()).unwrap();
    source.validate().unwrap_or_else(|e| panic!("{e}")).config
}

fn run(cfg: &Config) -> (Report, Records) {
    let mut rec = Records::default();
    let report = Simulation::new(cfg).run(&mut rec);
    (report, rec)
}

fn ms(x: f64) -> SimTime {
    SimTime::from_ms(x)
}

/// One frame of one task: `work_ms` of work, 40 kB in over a 100 Mbps
/// downlink (3.2 ms), 20 kB back over a 10 Mbps uplink (16 ms), 10 ms of
/// latency each way.
fn lone(slowdown: f64) -> Config {
    config(&format!(
        "[simulation]\nduration_s = 1\ndrain_s = 5\n\
         [workload]\nrenters = 1\nfps = 1\nwork_ms = 5\ndeadline_ms = 1000\nreturn_ms = 0\n\
         input_kb = 40\noutput_kb = 20\n\
         [coordinator]\ntimeout_ms = 1e9\n\
         [[peers]]\ncount = 1\nslots = 1\nlatency_ms = 10\ndownlink_mbps = 100\n\
         uplink_mbps = 10\nslowdown = {slowdown}\n"
    ))
}

/// A lone message takes exactly its transfer, `8 x kB / Mbps`, then the
/// latency; the instants on each link are those in the attempt's record;
/// `slowdown` multiplies the processing time.
#[test]
fn a_lone_message_takes_its_transfer_then_its_latency_to_the_nanosecond() {
    for (slowdown, processing) in [(1.0, ms(5.0)), (2.0, ms(10.0))] {
        let (report, rec) = run(&lone(slowdown));
        assert_eq!(rec.attempts.len(), 1);
        let a = &rec.attempts[0];
        let sent = a.dispatched;
        let input = Carried {
            kb: 40.0,
            entered: sent,
            start: sent,
            end: sent + ms(3.2),
        };
        assert_eq!(a.reached, Some(sent + ms(3.2) + ms(10.0)));
        assert_eq!(a.started, a.reached);
        let done = a.reached.unwrap() + processing;
        assert_eq!(a.processed, Some(done));
        let reply = Carried {
            kb: 20.0,
            entered: done,
            start: done,
            end: done + ms(16.0),
        };
        let links = a.links.expect("links on");
        assert_eq!(links.input, Some(input));
        assert_eq!(links.reply, Some(reply));
        assert_eq!(a.resolved, Some(done + ms(16.0) + ms(10.0)));
        assert_eq!(
            rec.frames[0].delivered,
            Some(sent + ms(3.2 + 10.0 + 16.0 + 10.0) + processing)
        );
        let p = &report.peers[0];
        assert_eq!(p.downlink_busy_ms, Some(3.2));
        assert_eq!(p.uplink_busy_ms, Some(16.0));
        assert_eq!(
            (p.downlink_mbps, p.uplink_mbps),
            (Some(Some(100.0)), Some(Some(10.0)))
        );
        // Nothing waited for a link.
        assert_eq!(report.summary.link_wait_ms_mean, Some(Some(0.0)));
    }
}

/// A task's sizes are drawn once: each retry sends the same input. An
/// error reply is 0 kB: it takes no time on the uplink.
#[test]
fn a_retry_sends_the_same_sizes_and_an_error_reply_is_empty() {
    let (_, rec) = run(&config(
        "[simulation]\nduration_s = 5\ndrain_s = 5\n\
         [workload]\nrenters = 2\nfps = 3\ntasks_per_frame = 2\nwork_ms = 5\n\
         deadline_ms = 1000\n\
         input_kb = { dist = \"uniform\", low = 10, high = 50 }\n\
         output_kb = { dist = \"uniform\", low = 10, high = 50 }\n\
         [coordinator]\ntimeout_ms = 1e9\nmax_attempts = 3\n\
         [[peers]]\ncount = 3\nslots = 1\nlatency_ms = 7\nreliability = 0\nfailure = \"error\"\n\
         downlink_mbps = 50\nuplink_mbps = 5\n",
    ));
    let mut by_task: BTreeMap<(u32, u64, u32), Vec<&AttemptRecord>> = BTreeMap::new();
    for a in &rec.attempts {
        by_task
            .entry((a.renter, a.frame, a.task))
            .or_default()
            .push(a);
    }
    assert_eq!(by_task.len(), 2 * 3 * 5 * 2);
    let mut sizes = Vec::new();
    for attempts in by_task.values() {
        assert_eq!(attempts.len(), 3, "every attempt fails: three per task");
        let kb: Vec<f64> = attempts
            .iter()
            .map(|a| a.links.unwrap().input.unwrap().kb)
            .collect();
        assert!(
            kb.iter().all(|&x| x == kb[0]),
            "a retry sent another size: {kb:?}"
        );
        assert!((10.0..=50.0).contains(&kb[0]));
        sizes.push(kb[0]);
        for a in attempts {
            assert_eq!(a.outcome, AttemptOutcome::Error);
            let reply = a.links.unwrap().reply.unwrap();
            assert_eq!(reply.kb, 0.0);
            assert_eq!(reply.start, reply.end);
            assert_eq!(a.resolved, Some(reply.end + ms(7.0)));
        }
    }
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    assert!(sizes.len() > 20, "tasks drew sizes of their own: {sizes:?}");
}

/// Replies of a constant size leaving one peer as a Poisson stream queue
/// on its uplink as in M/D/1: tasks arrive as a Poisson stream of rate
/// `lambda` = 1000/s at a peer with far more slots than it ever needs
/// (constant work of 1 ms: about one slot busy, never 64), so replies
/// leave it as a Poisson stream (the output of M/D/inf); each takes
/// `D` = 8 x 1.75 kB / 20 Mbps = 0.7 ms on the uplink: rho = 0.7, and
/// Pollaczek-Khinchine gives the mean wait `rho D / (2 (1 - rho))` =
/// 0.8167 ms. 20 replications of 100 s (100,000 replies each) in each
/// queue mode: the 99.9% Student-t interval of the mean wait must hold
/// the formula and be narrower than 3% of it; the uplink is busy a share
/// rho of the time.
#[test]
fn replies_queue_on_an_uplink_as_pollaczek_khinchine_says() {
    let (lambda, d_ms) = (1000.0, 8.0 * 1.75 / 20.0);
    let rho = lambda * d_ms / 1000.0;
    let expected = rho * d_ms / (2.0 * (1.0 - rho));
    for queue in ["per_peer", "central"] {
        let mut waits = Vec::new();
        let mut busy = Vec::new();
        for seed in 1..=20 {
            let (report, rec) = run(&config(&format!(
                "[simulation]\nseed = {seed}\nduration_s = 100\nwarmup_s = 0\ndrain_s = 1\n\
                 [workload]\nrenters = 1\nfps = {lambda}\narrival = \"poisson\"\nwork_ms = 1\n\
                 deadline_ms = 1e6\noutput_kb = 1.75\n\
                 [coordinator]\nqueue = \"{queue}\"\ntimeout_ms = 1e9\nmax_attempts = 1\n\
                 [[peers]]\ncount = 1\nslots = 64\nlatency_ms = 0\nuplink_mbps = 20\n"
            )));
            let wait_ms: Vec<f64> = rec
                .attempts
                .iter()
                .map(|a| {
                    let r = a.links.unwrap().reply.unwrap();
                    assert_eq!(r.end - r.start, ms(d_ms));
                    (r.start - r.entered).as_ms()
                })
                .collect();
            assert!(wait_ms.len() > 95_000);
            waits.push(wait_ms.iter().sum::<f64>() / wait_ms.len() as f64);
            let run_ms = report.summary.sim_time_s * 1000.0;
            busy.push(report.peers[0].uplink_busy_ms.unwrap() / run_ms);
        }
        let (mean, half) = interval(&waits);
        eprintln!("{queue}: M/D/1 wait {mean:.4} +- {half:.4} ms (99.9%), formula {expected:.4}");
        assert!(half < 0.03 * expected, "{queue}: interval {half} too wide");
        assert!((mean - expected).abs() <= half, "{queue}: {mean} +- {half}");
        let (mean, half) = interval(&busy);
        assert!(
            (mean - rho).abs() <= half,
            "{queue}: uplink busy {mean} +- {half}"
        );
    }
}

/// What each link carried is what the attempts sent on it: the kilobytes
/// of the inputs sent to a peer, at its downlink's bandwidth, are its
/// downlink's busy time; those of its replies, its uplink's (each transfer
/// rounded to the nanosecond: at most half a nanosecond a message apart).
/// Each task's replies all carry the task's one output size. Both queue
/// modes, with failures, retries and timeouts.
#[test]
fn bytes_sent_are_bytes_received() {
    for queue in ["per_peer", "central"] {
        let (report, rec) = run(&config(&format!(
            "[simulation]\nduration_s = 20\nwarmup_s = 0\ndrain_s = 5\n\
             [workload]\nrenters = 8\nfps = 30\ntasks_per_frame = 4\n\
             work_ms = {{ dist = \"gamma\", mean = 6, sd = 2 }}\ndeadline_ms = 150\n\
             input_kb = {{ dist = \"uniform\", low = 0, high = 8 }}\n\
             output_kb = {{ dist = \"gamma\", mean = 10, sd = 4 }}\n\
             [coordinator]\nqueue = \"{queue}\"\ntimeout_ms = 60\nmax_attempts = 3\n\
             [[peers]]\ncount = 10\nslots = {{ dist = \"choice\", values = [1, 2] }}\n\
             latency_ms = {{ dist = \"uniform\", low = 2, high = 20 }}\nreliability = 0.85\n\
             downlink_mbps = {{ dist = \"choice\", values = [50, 100, 300] }}\n\
             uplink_mbps = {{ dist = \"choice\", values = [10, 20, 100] }}\n\
             [[peers]]\ncount = 4\nreliability = 0.7\nfailure = \"silent\"\n\
             uplink_mbps = 15\n"
        )));
        let peers = &report.peers;
        let mut kb_down = vec![(0.0, 0u32); peers.len()];
        let mut kb_up = vec![(0.0, 0u32); peers.len()];
        let mut outputs: BTreeMap<(u32, u64, u32), f64> = BTreeMap::new();
        for a in &rec.attempts {
            let links = a.links.unwrap();
            if let Some(c) = links.input {
                kb_down[a.peer.index()].0 += c.kb;
                kb_down[a.peer.index()].1 += 1;
            }
            if let Some(c) = links.reply {
                kb_up[a.peer.index()].0 += c.kb;
                kb_up[a.peer.index()].1 += 1;
                if a.outcome == AttemptOutcome::Success {
                    let kb = *outputs.entry((a.renter, a.frame, a.task)).or_insert(c.kb);
                    assert_eq!(kb, c.kb, "a task's replies carry one size");
                } else {
                    assert_eq!(c.kb, 0.0);
                }
            }
            assert_eq!(
                links.reply.is_some(),
                a.processed.is_some() && a.outcome != AttemptOutcome::Silent
            );
        }
        assert!(outputs.len() > 10_000);
        for (i, p) in peers.iter().enumerate() {
            for (what, (kb, n), mbps, busy) in [
                ("down", kb_down[i], p.downlink_mbps, p.downlink_busy_ms),
                ("up", kb_up[i], p.uplink_mbps, p.uplink_busy_ms),
            ] {
                let busy = busy.unwrap();
                match mbps.unwrap() {
                    Some(mbps) => {
                        let carried_ms = 8.0 * kb / mbps;
                        let rounding_ms = f64::from(n) * 0.5e-6 + 1e-9 * carried_ms;
                        assert!(
                            (carried_ms - busy).abs() <= rounding_ms,
                            "{queue}: peer {i} {what}link carried {carried_ms} ms of \
                             data, busy {busy} ms"
                        );
                        assert!(n > 100, "{queue}: peer {i} {what}: {n} messages");
                    }
                    None => assert_eq!(busy, 0.0, "no limit, no time on the link"),
                }
            }
        }
    }
}

/// A peer leaving with messages on its links loses them: an input still
/// being sent is lost with its attempt (it never reaches the peer), a
/// reply still being sent never reaches the coordinator, and each message
/// stays on the link until the departure. One peer crashes at `c`, mid
/// message; the coordinator learns it from missed heartbeats.
#[test]
fn a_departing_peer_loses_what_is_on_its_links() {
    // 125 kB at 1 Mbps: a second on the link.
    for (input, c_after_ms) in [(true, 500.0), (false, 600.0)] {
        let (i_kb, o_kb) = if input { (125.0, 0.0) } else { (0.0, 125.0) };
        let mut cfg = config(&format!(
            "[simulation]\nduration_s = 1\ndrain_s = 20\n\
             [workload]\nrenters = 1\nfps = 1\nwork_ms = 100\ndeadline_ms = 1e5\n\
             input_kb = {i_kb}\noutput_kb = {o_kb}\n\
             [coordinator]\ntimeout_ms = 1e9\nmax_attempts = 1\nheartbeat_ms = 1000\n\
             [[peers]]\ncount = 1\nslots = 1\nlatency_ms = 10\n\
             downlink_mbps = 1\nuplink_mbps = 1\n"
        ));
        let (_, first) = run(&cfg);
        let sent = first.attempts[0].dispatched;
        let c = sent + ms(c_after_ms);
        let c_s = c.as_nanos() as f64 / 1e9;
        cfg.peer_groups[0].churn = Some(Churn {
            sessions: Sessions::Trace(vec![vec![(0.0, c_s)]]),
            join_s: Dist::constant(0.0),
            leave: Leave::Crash,
        });
        let (report, rec) = run(&cfg);
        assert_eq!(rec.attempts.len(), 1);
        let a = &rec.attempts[0];
        let links = a.links.unwrap();
        assert!(rec.frames[0].delivered.is_none(), "nothing came back");
        assert!(a.resolved.unwrap() > c, "failed once the coordinator knew");
        if input {
            assert_eq!(a.outcome, AttemptOutcome::Lost);
            assert_eq!((a.reached, a.lost), (None, Some(c)));
            let m = links.input.unwrap();
            assert_eq!((m.start, m.end), (sent, c));
            assert_eq!(report.peers[0].downlink_busy_ms, Some(c_after_ms));
        } else {
            let done = sent + ms(10.0 + 100.0);
            assert_eq!(a.processed, Some(done));
            let m = links.reply.unwrap();
            assert_eq!((m.kb, m.start, m.end), (125.0, done, c));
            assert_eq!(report.peers[0].uplink_busy_ms, Some((c - done).as_ms()));
        }
    }
}

/// `slowdown` is drawn afresh for every attempt: with constant work of
/// 10 ms and an exponential slowdown of mean 1, processing times are
/// exponential of mean 10 ms (coefficient of variation 1), on every peer
/// alike. About 20,000 attempts: the mean's standard error is 0.7%, the
/// standard deviation's about 1.4%; both must be within 5% (more than 3
/// standard errors) of 10 ms.
#[test]
fn slowdown_is_drawn_for_every_attempt() {
    let (_, rec) = run(&config(
        "[simulation]\nduration_s = 100\nwarmup_s = 0\ndrain_s = 5\n\
         [workload]\nrenters = 2\nfps = 100\nwork_ms = 10\ndeadline_ms = 1e6\n\
         [coordinator]\ntimeout_ms = 1e9\nmax_attempts = 1\n\
         [[peers]]\ncount = 4\nslots = 64\n\
         slowdown = { dist = \"exponential\", mean = 1 }\n",
    ));
    let times: Vec<f64> = rec
        .attempts
        .iter()
        .map(|a| (a.processed.unwrap() - a.started.unwrap()).as_ms())
        .collect();
    let n = times.len() as f64;
    assert!(n > 19_000.0);
    let mean = times.iter().sum::<f64>() / n;
    let sd = (times.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    eprintln!("slowed processing: mean {mean:.3} ms, sd {sd:.3} ms over {n} attempts");
    assert!((mean - 10.0).abs() < 0.5, "mean {mean}");
    assert!((sd - 10.0).abs() < 0.5, "sd {sd}");
}
