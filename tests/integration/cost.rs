//! Cost and energy: what the peers are paid adds up, per peer and in all,
//! to their price times what the billing counts; energy is idle power x
//! idle slot-time + busy power x busy slot-time; the waste of each cause
//! is the busy time of the attempts that met it; and with no price, no
//! power and no revenue nothing changes, not a byte.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use p2c2g::model::cost::Costs;
use p2c2g::model::{Config, Report, Simulation, Summary};
use p2c2g::scenario::Source;

use crate::common::{ok, p2c2g_into, repo};

/// A CSV file as its header and its rows, every field as written.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The rows of a CSV file, by column name.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (header, rows) = table(path);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

fn num(row: &BTreeMap<String, String>, key: &str) -> f64 {
    row.get(key)
        .unwrap_or_else(|| panic!("no column {key}"))
        .parse()
        .unwrap_or_else(|e| panic!("{key} = {:?}: {e}", row[key]))
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12),
        "{what}: {a} against {b}"
    );
}

const COST_COLUMNS: [&str; 12] = [
    "cost_total",
    "cost_per_frame_on_time",
    "cost_wasted",
    "cost_wasted_timeouts",
    "cost_wasted_lost",
    "cost_wasted_cancelled",
    "cost_wasted_failed",
    "cost_wasted_wrong",
    "cost_wasted_unfinished",
    "energy_kwh",
    "revenue",
    "margin",
];
const CAUSES: [&str; 6] = [
    "timeouts",
    "lost",
    "cancelled",
    "failed",
    "wrong",
    "unfinished",
];

/// The baseline, 3 s with a warm-up of 0.5 s.
const SHORT: [&str; 4] = [
    "--set",
    "simulation.duration_s=3",
    "--set",
    "simulation.warmup_s=0.5",
];

/// Constant prices and powers per group of the baseline, so that every
/// peer's can be told from its group: (group, price per hour, idle W,
/// busy W).
const GROUPS: [(&str, f64, f64, f64); 3] = [
    ("fiber_gpu", 0.45, 60.0, 450.0),
    ("home_gpu", 0.20, 60.0, 300.0),
    ("wifi_laptop", 0.05, 15.0, 60.0),
];

fn priced(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = SHORT.iter().map(|s| s.to_string()).collect();
    for (g, price, idle, busy) in GROUPS {
        args.push("--set".into());
        args.push(format!("peers.{g}.price_per_hour={price}"));
        args.push("--set".into());
        args.push(format!(
            "peers.{g}.power_w={{ idle = {idle}, busy = {busy} }}"
        ));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run_baseline(out: &Path, args: &[String]) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut all = vec!["--no-charts"];
    all.extend(args);
    ok(p2c2g_into(
        "run",
        &repo("scenarios/baseline.toml"),
        out,
        &all,
    ));
}

/// Under busy billing a peer's cost is its price times its busy hours
/// (peers.csv `busy_ms`, the whole run's), plus the electricity of its
/// energy; the summary's cost is the sum of the peers'; energy is idle
/// power x idle slot-time + busy power x busy slot-time.
#[test]
fn busy_billing_pays_each_peer_its_price_per_busy_hour_and_energy_adds_up() {
    let tmp = tempfile::tempdir().unwrap();
    for electricity in [0.0, 0.16] {
        let out = tmp.path().join(format!("e{electricity}"));
        run_baseline(
            &out,
            &priced(&[
                "--set",
                &format!("cost.electricity_per_kwh={electricity}"),
                "--set",
                "cost.revenue_per_hour=0.3",
            ]),
        );
        let summary = &rows(&out.join("summary.csv"))[0];
        let peers = rows(&out.join("peers.csv"));
        let sim_s = num(summary, "sim_time_s");
        let (mut cost, mut paid, mut energy) = (0.0, 0.0, 0.0);
        for p in &peers {
            let (_, price, idle_w, busy_w) = GROUPS.iter().find(|g| g.0 == p["group"]).unwrap();
            let busy_ms = num(p, "busy_ms");
            let slot_ms = num(p, "slots") * sim_s * 1e3;
            let kwh = (idle_w * (slot_ms - busy_ms) + busy_w * busy_ms) / 3.6e9;
            close(num(p, "energy_kwh"), kwh, "a peer's energy");
            let pay = price * busy_ms / 3.6e6;
            close(num(p, "cost"), pay + electricity * kwh, "a peer's cost");
            cost += num(p, "cost");
            paid += pay;
            energy += kwh;
        }
        assert!(paid > 0.0 && energy > 0.0);
        close(
            num(summary, "cost_total"),
            cost,
            "cost_total = sum of peers.csv cost",
        );
        close(
            num(summary, "cost_total"),
            paid + electricity * energy,
            "cost_total = sum of price x busy hours (+ electricity)",
        );
        close(num(summary, "energy_kwh"), energy, "energy_kwh");
        // Revenue: 20 renters x 3 s of play at 0.30 an hour.
        close(
            num(summary, "revenue"),
            0.3 * 20.0 * 3.0 / 3600.0,
            "revenue",
        );
        close(
            num(summary, "margin"),
            num(summary, "revenue") - num(summary, "cost_total"),
            "margin",
        );
        let causes: f64 = CAUSES
            .iter()
            .map(|c| num(summary, &format!("cost_wasted_{c}")))
            .sum();
        close(
            num(summary, "cost_wasted"),
            causes,
            "cost_wasted = its causes",
        );
        // Baseline peers fail (error and silent): some waste, never more
        // than what was paid.
        assert!(num(summary, "cost_wasted_failed") > 0.0);
        assert!(num(summary, "cost_wasted") < num(summary, "cost_total"));
        for c in ["cancelled", "wrong"] {
            assert_eq!(summary[&format!("cost_wasted_{c}")], "0.0", "{c}");
        }
    }
}

/// Online billing pays every slot for the whole time online: at least
/// what busy billing pays, peer by peer, and exactly price x slots x
/// online hours.
#[test]
fn online_billing_pays_every_slot_online_and_at_least_busy_billing() {
    let tmp = tempfile::tempdir().unwrap();
    let (busy, online) = (tmp.path().join("busy"), tmp.path().join("online"));
    run_baseline(&busy, &priced(&[]));
    run_baseline(&online, &priced(&["--set", "cost.billing=online"]));
    let (b, o) = (
        rows(&busy.join("peers.csv")),
        rows(&online.join("peers.csv")),
    );
    let sim_s = num(&rows(&online.join("summary.csv"))[0], "sim_time_s");
    for (b, o) in b.iter().zip(&o) {
        let (_, price, ..) = GROUPS.iter().find(|g| g.0 == o["group"]).unwrap();
        close(
            num(o, "cost"),
            price * num(o, "slots") * sim_s / 3600.0,
            "online billing",
        );
        assert!(num(o, "cost") >= num(b, "cost"), "peer {}", o["peer"]);
        assert_eq!(b["energy_kwh"], o["energy_kwh"]);
    }
    let total = |dir: &Path| num(&rows(&dir.join("summary.csv"))[0], "cost_total");
    assert!(total(&online) > total(&busy));
}

/// With churn a peer is billed online, and draws idle power, only while
/// online (peers.csv `online_s`).
#[test]
fn with_churn_online_time_is_what_is_billed_and_powered() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("churn");
    ok(p2c2g_into(
        "run",
        &repo("scenarios/churn.toml"),
        &out,
        &[
            "--no-charts",
            "--no-frames",
            "--set",
            "simulation.duration_s=1200",
            "--set",
            "peers.home_gpu.price_per_hour=0.2",
            "--set",
            "peers.home_gpu.power_w={ idle = 60, busy = 300 }",
            "--set",
            "cost.billing=online",
        ],
    ));
    let peers = rows(&out.join("peers.csv"));
    let mut offline_some = false;
    for p in peers.iter().filter(|p| p["group"] == "home_gpu") {
        let (slots, online_s, busy_ms) = (num(p, "slots"), num(p, "online_s"), num(p, "busy_ms"));
        offline_some |= online_s < 1200.0;
        close(num(p, "cost"), 0.2 * slots * online_s / 3600.0, "online");
        let kwh = (60.0 * (slots * online_s * 1e3 - busy_ms) + 300.0 * busy_ms) / 3.6e9;
        close(num(p, "energy_kwh"), kwh, "energy");
    }
    assert!(offline_some, "some peer was offline for a while");
    // The fibre group has no price and no power: it costs nothing.
    for p in peers.iter().filter(|p| p["group"] == "fiber_gpu") {
        assert_eq!(
            (p["cost"].as_str(), p["energy_kwh"].as_str()),
            ("0.0", "0.0")
        );
    }
}

/// No price, no power, no revenue: no cost column, and every file is what
/// it was; with them, every other column and file is still what it was
/// (prices and powers come from streams of their own).
#[test]
fn without_a_price_nothing_changes_and_with_one_nothing_else_does() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    let billing_only = tmp.path().join("billing_only");
    let costed = tmp.path().join("costed");
    let dists = tmp.path().join("dists");
    run_baseline(&plain, &SHORT.map(String::from));
    // A [cost] table with no price, power or revenue reports nothing.
    run_baseline(
        &billing_only,
        &[
            &SHORT[..],
            &[
                "--set",
                "cost.billing=online",
                "--set",
                "cost.electricity_per_kwh=0.2",
            ],
        ]
        .concat()
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>(),
    );
    run_baseline(&costed, &priced(&["--set", "cost.revenue_per_hour=0.3"]));
    run_baseline(
        &dists,
        &[
            &SHORT[..],
            &[
                "--set",
                "peers.0.price_per_hour={ dist = \"uniform\", low = 0.05, high = 0.45 }",
                "--set",
                "peers.1.power_w={ busy = { dist = \"choice\", values = [300, 450] } }",
            ],
        ]
        .concat()
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>(),
    );
    let files = [
        "summary.csv",
        "peers.csv",
        "frames.csv",
        "timeseries.csv",
        "latency_hist.csv",
    ];
    for f in files {
        assert_eq!(
            fs::read(plain.join(f)).unwrap(),
            fs::read(billing_only.join(f)).unwrap(),
            "{f}"
        );
    }
    let (plain_summary, _) = table(&plain.join("summary.csv"));
    assert!(COST_COLUMNS
        .iter()
        .all(|c| !plain_summary.contains(&c.to_string())));
    for with in [&costed, &dists] {
        for f in files {
            let (h0, r0) = table(&plain.join(f));
            let (h1, r1) = table(&with.join(f));
            let extra: Vec<&String> = h1.iter().filter(|c| !h0.contains(c)).collect();
            let expected: &[&str] = match f {
                "summary.csv" => &COST_COLUMNS,
                "peers.csv" => &["cost", "energy_kwh"],
                _ => &[],
            };
            assert_eq!(extra, expected.to_vec(), "{f}: the new columns, at the end");
            assert_eq!(h1[..h0.len()], h0[..], "{f}");
            let cut: Vec<Vec<String>> = r1.iter().map(|r| r[..h0.len()].to_vec()).collect();
            assert_eq!(cut, r0, "{f}: every other column as it was");
        }
    }
}

fn config(text: &str) -> Config {
    let source = Source::parse(Path::new("cost.toml"), text.to_string()).unwrap();
    source.validate().unwrap_or_else(|e| panic!("{e}")).config
}

fn report(cfg: &Config) -> Report {
    Simulation::new(cfg).run(&mut ())
}

/// Prices drawn per peer from a distribution: each peer's cost is its own
/// draw times its busy hours (the draws, from the cost streams, are those
/// [`Costs`] makes), and the total is their sum.
#[test]
fn a_price_drawn_per_peer_is_paid_per_busy_hour() {
    let text = fs::read_to_string(repo("scenarios/baseline.toml"))
        .unwrap()
        .replace("duration_s = 60.0", "duration_s = 3.0")
        .replace("warmup_s = 5.0", "warmup_s = 0.5")
        .replace(
            "failure = \"error\"        # a failed",
            "price_per_hour = { dist = \"uniform\", low = 0.05, high = 0.45 }\nfailure = \"error\"        # a failed",
        );
    let cfg = config(&text);
    assert!(cfg.costs());
    let groups = cfg
        .peer_groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| std::iter::repeat_n(g, group.count as usize));
    let costs = Costs::new(&cfg, groups).unwrap();
    let r = report(&cfg);
    let mut sum = 0.0;
    let mut distinct = std::collections::BTreeSet::new();
    for (i, p) in r.peers.iter().enumerate() {
        let price = costs.price[i];
        if p.group == "fiber_gpu" {
            assert!((0.05..=0.45).contains(&price));
            distinct.insert(price.to_bits());
        } else {
            assert_eq!(price, 0.0);
        }
        close(p.cost.unwrap(), price * p.busy_ms / 3.6e6, "a peer's cost");
        sum += p.cost.unwrap();
    }
    assert_eq!(distinct.len(), 15, "a price per peer");
    close(r.summary.cost_total.unwrap(), sum, "cost_total");
    assert_eq!(r.summary.energy_kwh, Some(0.0));
    assert_eq!(r.summary.revenue, Some(0.0));
    assert_eq!(r.summary.margin, Some(-sum));
}

/// One peer of one slot at 1 an hour, one renter: a scenario whose waste
/// is all of one cause.
fn lone(extra_coordinator: &str, extra_peer: &str, rest: &str) -> Summary {
    let cfg = config(&format!(
        "[simulation]\nduration_s = 1\nwarmup_s = 0\n{rest}\
         [workload]\nrenters = 1\nfps = 10\nwork_ms = 50\n\
         [coordinator]\nmax_attempts = 1\n{extra_coordinator}\n\
         [[peers]]\ncount = 1\nslots = 1\nprice_per_hour = 1.0\n{extra_peer}\n"
    ));
    let r = report(&cfg);
    let s = r.summary;
    // 1 an hour: the cost is the busy hours.
    close(
        s.cost_total.unwrap(),
        r.peers[0].busy_ms / 3.6e6,
        "cost = busy hours",
    );
    let causes = [
        s.cost_wasted_timeouts,
        s.cost_wasted_lost,
        s.cost_wasted_cancelled,
        s.cost_wasted_failed,
        s.cost_wasted_wrong,
        s.cost_wasted_unfinished,
    ];
    close(
        s.cost_wasted.unwrap(),
        causes.iter().map(|c| c.unwrap()).sum(),
        "cost_wasted = its causes",
    );
    s
}

/// Each cause of waste, alone: the whole cost is wasted, and under that
/// cause; with nothing going wrong nothing is wasted.
#[test]
fn each_cause_of_waste_is_the_busy_time_of_the_attempts_it_spoilt() {
    let all_wasted = |s: &Summary, cause: Option<f64>, name: &str| {
        let total = s.cost_total.unwrap();
        assert!(total > 0.0, "{name}: something was paid");
        close(s.cost_wasted.unwrap(), total, name);
        close(cause.unwrap(), total, name);
    };
    // Nothing goes wrong: 10 frames of 50 ms, nothing wasted.
    let s = lone("timeout_ms = 1e9", "", "");
    close(s.cost_total.unwrap(), 10.0 * 0.05 / 3600.0, "10 x 50 ms");
    assert_eq!(s.cost_wasted, Some(0.0));
    assert_eq!(s.frames_on_time, 10);
    close(
        s.cost_per_frame_on_time.unwrap().unwrap(),
        s.cost_total.unwrap() / 10.0,
        "per frame on time",
    );
    // Every reply comes after its 20 ms timeout: the peer ran them all for
    // nothing.
    let s = lone("timeout_ms = 20", "", "");
    all_wasted(&s, s.cost_wasted_timeouts, "timeouts");
    assert_eq!(s.frames_on_time, 0);
    assert_eq!(s.cost_per_frame_on_time, Some(None), "no frame on time");
    // Every attempt fails, with an error or silently (then its timeout
    // fires too: it is a failure still).
    for failure in ["error", "silent"] {
        let peer = format!("reliability = 0\nfailure = \"{failure}\"");
        let s = lone("timeout_ms = 100", &peer, "");
        all_wasted(&s, s.cost_wasted_failed, failure);
    }
    // The peer leaves 0.5 s into the run (and comes back long after it):
    // the attempt it was running, of 2 s, is lost.
    let s = report(&config(
        "[simulation]\nduration_s = 1\n\
         [workload]\nrenters = 1\nfps = 100\nwork_ms = 2000\n\
         [coordinator]\ntimeout_ms = 1e9\n\
         [[peers]]\ncount = 1\nslots = 1\nprice_per_hour = 1.0\n\
         [peers.churn]\non_s = 0.5\noff_s = 1e4\n",
    ))
    .summary;
    all_wasted(&s, s.cost_wasted_lost, "lost");
    // The first frame comes within 10 ms: it ran from then to 0.5 s.
    assert!(s.cost_total.unwrap() > 0.49 / 3600.0);
    assert!(s.cost_total.unwrap() <= 0.5 / 3600.0);
    // 5 s of work, and the run ends 0.5 s after the last frame: the
    // attempts still running are cut short.
    let s = report(&config(
        "[simulation]\nduration_s = 1\ndrain_s = 0.5\n\
         [workload]\nrenters = 1\nfps = 10\nwork_ms = 5000\n\
         [coordinator]\ntimeout_ms = 1e9\n\
         [[peers]]\ncount = 1\nslots = 1\nprice_per_hour = 1.0\n",
    ))
    .summary;
    all_wasted(&s, s.cost_wasted_unfinished, "unfinished");
    assert_eq!(s.sim_time_s, 1.5);
}

/// A sweep's runs.csv and points.csv carry the cost columns, and its
/// charts can plot them.
#[test]
fn a_sweep_reports_and_plots_cost() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = tmp.path().join("cost-sweep.toml");
    fs::write(
        &sweep,
        format!(
            "[sweep]\nscenario = \"{}\"\nreplications = 2\n\
             metrics = [\"cost_total\", \"cost_per_frame_on_time\", \"margin\"]\n\
             [sweep.set]\n\"simulation.duration_s\" = 2.0\n\
             \"peers.0.price_per_hour\" = 0.2\n\"cost.revenue_per_hour\" = 0.3\n\
             [sweep.grid]\n\"peers.0.count\" = [3, 5]\n\
             \"coordinator.policy\" = [\"score\", \"random\"]\n",
            repo("scenarios/poc.toml").display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    ok(p2c2g_into("sweep", &sweep, &out, &[]));
    let runs = rows(&out.join("runs.csv"));
    assert_eq!(runs.len(), 8);
    for r in &runs {
        assert!(num(r, "cost_total") > 0.0);
        close(
            num(r, "margin"),
            num(r, "revenue") - num(r, "cost_total"),
            "margin",
        );
    }
    let points = rows(&out.join("points.csv"));
    assert!(points[0].contains_key("cost_total_mean"));
    assert!(points[0].contains_key("cost_wasted_failed_mean"));
    for m in ["cost_total", "cost_per_frame_on_time", "margin"] {
        assert!(out.join(format!("charts/{m}.svg")).exists(), "{m} charted");
    }
}

/// `copies = d` without cancellation costs `d` times the single copy's
/// work on a deterministic scenario (constant work, every attempt
/// succeeds, no jitter, far more slots than work): each copy runs whole,
/// and all but the first to reply are wasted, as `cancelled` (not wanted
/// once the task was decided).
#[test]
fn copies_without_cancelling_cost_d_times_one_copy() {
    let run = |coordinator: &str| {
        report(&config(&format!(
            "[simulation]\nduration_s = 2\nwarmup_s = 0\n\
             [workload]\nrenters = 4\nfps = 30\ntasks_per_frame = 2\nwork_ms = 8\n\
             [coordinator]\nqueue = \"per_peer\"\nmax_attempts = 3\ntimeout_ms = 1e9\n{coordinator}\n\
             [[peers]]\ncount = 6\nslots = 16\nlatency_ms = 5\nprice_per_hour = 1.0\n"
        )))
        .summary
    };
    let one = run("copies = 1");
    assert_eq!(one.cost_wasted, Some(0.0));
    for d in [2u32, 3] {
        let s = run(&format!("copies = {d}\ncancel = \"none\""));
        close(
            s.cost_total.unwrap(),
            f64::from(d) * one.cost_total.unwrap(),
            &format!("copies = {d}"),
        );
        close(
            s.cost_wasted_cancelled.unwrap(),
            f64::from(d - 1) * one.cost_total.unwrap(),
            "the copies not wanted",
        );
        assert_eq!(s.frames_on_time, one.frames_on_time);
    }
}
