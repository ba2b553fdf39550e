//! Several coordinators and what they know (MODEL.md section 13): the
//! bulletin-board model against an independent simulation of it, and the
//! books of several coordinators against the summary's.

use std::path::Path;

use statrs::distribution::{ContinuousCDF, StudentsT};

use p2c2g::model::{Config, Report, Simulation};
use p2c2g::scenario::Source;

use crate::common::{ok, p2c2g_into, repo};

fn config(text: &str) -> Config {
    let source = Source::parse(Path::new("views.toml"), text.to_string()).unwrap();
    source.validate().unwrap_or_else(|e| panic!("{e}")).config
}

/// Mitzenmacher's bulletin board: 100 one-slot peers without latency,
/// per_peer queues, exponential work of mean 1 ms, Poisson tasks at 90
/// per ms (load 0.9), each coordinator choosing by `policy` from what
/// `view` says; the board synchronised every `period_ms` (mean service
/// times). 10 s of tasks after 1 s of warm-up.
fn board(seed: u64, policy: &str, view: &str, period_ms: f64) -> Config {
    config(&format!(
        "[simulation]\nseed = {seed}\nduration_s = 11\nwarmup_s = 1\ndrain_s = 10\n\
         [workload]\nrenters = 1\nfps = 90000\narrival = \"poisson\"\ntasks_per_frame = 1\n\
         work_ms = {{ dist = \"exponential\", mean = 1 }}\ndeadline_ms = 1e6\nreturn_ms = 0\n\
         [coordinator]\npolicy = \"{policy}\"\nd = 2\nqueue = \"per_peer\"\nmax_attempts = 1\n\
         timeout_ms = 1e9\nview = \"{view}\"\nheartbeat_ms = {period_ms}\nheartbeat_phase = \"sync\"\n\
         [[peers]]\ncount = 100\nslots = 1\nlatency_ms = 0\njitter_ms = 0\nreliability = 1\n"
    ))
}

/// Mean sojourn (in mean service times) of 10 replications, run on two
/// threads, and its standard error.
fn sojourn(cfg: impl Fn(u64) -> Config + Sync) -> (f64, f64) {
    let seeds: Vec<u64> = (1..=10).collect();
    let means: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = seeds
            .chunks(5)
            .map(|chunk| {
                let cfg = &cfg;
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|&seed| {
                            let r: Report = Simulation::new(&cfg(seed)).run(&mut ());
                            r.summary.task_latency_mean_ms.unwrap()
                        })
                        .collect::<Vec<f64>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let n = means.len() as f64;
    let mean = means.iter().sum::<f64>() / n;
    let var = means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Our mean against a reference mean given as a 95% half-width over 5
/// seeds: the difference must lie within a 99.9% Welch interval.
fn agrees(name: &str, (mean, se): (f64, f64), reference: f64, half_width_95: f64) {
    let se_ref = half_width_95 / 2.776; // t(0.975, 4)
    let (a, b) = (se * se, se_ref * se_ref);
    let df = (a + b).powi(2) / (a * a / 9.0 + b * b / 4.0);
    let t = StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(0.9995);
    let tolerance = t * (a + b).sqrt();
    println!(
        "{name}: {mean:.4} +- {:.4} (99.9%) against {reference} +- {half_width_95}",
        tolerance
    );
    assert!(
        (mean - reference).abs() <= tolerance,
        "{name}: {mean} against {reference} (tolerance {tolerance})"
    );
}

/// The table of MODEL.md section 13 at T = 0 (fresh: one coordinator that
/// sees its own dispatches, which without latency are the queues) and at
/// T = 5: random stays M/M/1 (1 / (1 - 0.9) = 10), the global minimum
/// with fresh information is join-the-shortest-queue, and with a board
/// five service times old it herds: worse than random, while two choices
/// stay far better than both.
#[test]
fn the_bulletin_board_herds_the_global_minimum_but_not_two_choices() {
    let random = sojourn(|s| board(s, "random", "board", 5.0));
    agrees("random, T = 5", random, 10.0, 0.0);
    let fresh = sojourn(|s| board(s, "least_loaded", "own", 5.0));
    agrees("least_loaded, T = 0", fresh, 1.067, 0.003);
    let two = sojourn(|s| board(s, "power_of_d", "own", 5.0));
    agrees("power_of_d, T = 0", two, 2.646, 0.011);
    let herd = sojourn(|s| board(s, "least_loaded", "board", 5.0));
    agrees("least_loaded, T = 5", herd, 12.03, 0.19);
    let stale_two = sojourn(|s| board(s, "power_of_d", "board", 5.0));
    agrees("power_of_d, T = 5", stale_two, 4.020, 0.018);
    let old_one = sojourn(|s| board(s, "least_loaded", "board", 1.0));
    agrees("least_loaded, T = 1", old_one, 4.017, 0.026);
    // Herding: the stale global minimum loses to random, two choices win.
    assert!(herd.0 - 4.0 * herd.1 > random.0 + 4.0 * random.1);
    assert!(stale_two.0 < random.0 / 2.0 && stale_two.0 < herd.0 / 2.0);
    // A fresher board helps it: at T = 1 it still beats random.
    assert!(old_one.0 < random.0);
}

/// Heartbeats are events only when a view needs them: with a board, one
/// per peer per period (zero latency: each arrives inside its sending),
/// on top of the same two events per task.
#[test]
fn a_board_costs_one_event_per_peer_and_period() {
    let period_ms = 5.0;
    let own = Simulation::new(&board(1, "random", "own", period_ms)).run(&mut ());
    let board_run = Simulation::new(&board(1, "random", "board", period_ms)).run(&mut ());
    // random ignores the load: the same run, plus the heartbeats.
    assert_eq!(own.summary.tasks, board_run.summary.tasks);
    assert_eq!(own.summary.sim_time_s, board_run.summary.sim_time_s);
    let periods = (board_run.summary.sim_time_s * 1e3 / period_ms).floor() as u64;
    assert_eq!(board_run.summary.events - own.summary.events, 100 * periods);
}

/// One coordinator reading heartbeats knows every attempt on the peers is
/// its own: with peers that have latency (reports that miss what is on
/// its way), it must decide exactly as `own` at every period, not worse
/// the more often reports come (it did: a report forgot what was on its
/// way, and at a 1 ms period 97.5% of frames were on time against 99.99%).
#[test]
fn one_coordinator_reading_heartbeats_decides_as_its_own_count() {
    let run = |view: &str, period_ms: f64| {
        let cfg = config(&format!(
            "[simulation]\nseed = 3\nduration_s = 4\nwarmup_s = 1\n\
             [workload]\nrenters = 4\nfps = 60\ntasks_per_frame = 4\n\
             work_ms = {{ dist = \"exponential\", mean = 6 }}\ndeadline_ms = 50\n\
             [coordinator]\npolicy = \"least_loaded\"\nqueue = \"central\"\n\
             view = \"{view}\"\nheartbeat_ms = {period_ms}\n\
             [[peers]]\ncount = 12\nslots = 2\n\
             latency_ms = {{ dist = \"uniform\", low = 2, high = 10 }}\nreliability = 0.97\n"
        ));
        Simulation::new(&cfg).run(&mut ()).summary
    };
    let own = run("own", 1000.0);
    for period_ms in [1.0, 5.0, 200.0] {
        let seen = run("heartbeat", period_ms);
        assert_eq!(
            (
                seen.frames_on_time,
                seen.tasks_completed,
                seen.attempts,
                seen.failovers
            ),
            (
                own.frames_on_time,
                own.tasks_completed,
                own.attempts,
                own.failovers
            ),
            "heartbeats every {period_ms} ms"
        );
        assert_eq!(seen.frame_latency_p99_ms, own.frame_latency_p99_ms);
        assert!(seen.events > own.events, "the heartbeats are simulated");
    }
}

/// Three coordinators share the baseline's peers: coordinators.csv has a
/// row each, renter `r` counted by coordinator `r mod 3`, and the rows add
/// up to the summary, whatever the view; with one coordinator there is no
/// such file.
#[test]
fn coordinators_csv_adds_up_to_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("three");
    let scenario = repo("scenarios/baseline.toml");
    for view in ["own", "heartbeat", "board"] {
        ok(p2c2g_into(
            "run",
            &scenario,
            &out,
            &[
                "--no-charts",
                "--force",
                "--set",
                "coordinator.count=3",
                "--set",
                &format!("coordinator.view={view}"),
                "--set",
                "simulation.duration_s=10",
            ],
        ));
        let summary: Vec<p2c2g::model::Summary> = csv::Reader::from_path(out.join("summary.csv"))
            .unwrap()
            .deserialize()
            .collect::<Result<_, _>>()
            .unwrap();
        let s = &summary[0];
        let rows: Vec<p2c2g::model::CoordinatorReport> =
            csv::Reader::from_path(out.join("coordinators.csv"))
                .unwrap()
                .deserialize()
                .collect::<Result<_, _>>()
                .unwrap();
        assert_eq!(rows.len(), 3, "{view}");
        assert_eq!(
            rows.iter().map(|r| r.renters).collect::<Vec<_>>(),
            [7, 7, 6],
            "20 renters, by r mod 3"
        );
        let sum = |f: fn(&p2c2g::model::CoordinatorReport) -> u64| rows.iter().map(f).sum::<u64>();
        assert_eq!(sum(|r| r.frames), s.frames, "{view}");
        assert_eq!(sum(|r| r.frames_on_time), s.frames_on_time, "{view}");
        assert_eq!(sum(|r| r.frames_late), s.frames_late, "{view}");
        assert_eq!(sum(|r| r.frames_failed), s.frames_failed, "{view}");
        assert_eq!(sum(|r| r.tasks), s.tasks, "{view}");
        assert_eq!(sum(|r| r.tasks_completed), s.tasks_completed, "{view}");
        assert_eq!(sum(|r| r.attempts), s.attempts, "{view}");
        assert_eq!(sum(|r| r.failovers), s.failovers, "{view}");
        assert_eq!(sum(|r| r.timeouts), s.timeouts, "{view}");
        // Frames come at 60 fps per renter: 7, 7 and 6 renters' worth.
        assert_eq!(rows[0].frames, rows[1].frames);
        assert_eq!(rows[2].frames * 7, rows[0].frames * 6);
    }
    let one = dir.path().join("one");
    ok(p2c2g_into(
        "run",
        &scenario,
        &one,
        &["--no-charts", "--set", "simulation.duration_s=10"],
    ));
    assert!(!one.join("coordinators.csv").exists());
}
