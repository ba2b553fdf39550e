//! Which compiled event loop a run takes (src/model/mechanisms.rs): the
//! core's when every mechanism beyond the core is off, and never when
//! one is on, since that loop reads every mechanism's switch as off.
//! (That the two loops agree is a property test in `invariants`.)

use std::path::Path;

use p2c2g::model::{Config, Simulation};
use p2c2g::scenario::Source;

/// A small core scenario, with `workload`, `coordinator`, `reputation`,
/// `peers` and `sections` added to its sections (or after them).
fn config(
    workload: &str,
    coordinator: &str,
    reputation: &str,
    peers: &str,
    sections: &str,
) -> Config {
    let text = format!(
        "[simulation]\nduration_s = 1\n\
         [workload]\nrenters = 2\nfps = 30\ntasks_per_frame = 2\nwork_ms = 5\n{workload}\n\
         [coordinator]\npolicy = \"random\"\n{coordinator}\n\
         [reputation]\nexclude_below = 0.2\n{reputation}\n\
         [[peers]]\ncount = 4\nslots = 2\nlatency_ms = 5\nreliability = 0.9\n{peers}\n\
         {sections}\n"
    );
    let source = Source::parse(Path::new("mechanisms.toml"), text).unwrap();
    source.validate().unwrap_or_else(|e| panic!("{e}")).config
}

fn core_only(cfg: &Config) -> bool {
    Simulation::new(cfg).core_only()
}

#[test]
fn a_run_with_every_mechanism_off_takes_the_core_loop() {
    assert!(core_only(&config("", "", "", "", "")));
    // What is not a mechanism beyond the core: several groups, retries,
    // a central queue, one coordinator said in so many words. (A key of
    // copies given even as off, `copies = 1`, is: the summary then
    // reports what copies cost.)
    assert!(core_only(&config(
        "",
        "queue = \"central\"\nmax_attempts = 3\ncount = 1\nview = \"own\"",
        "",
        "[[peers]]\ncount = 2\nslots = 1",
        "",
    )));
}

#[test]
fn any_one_mechanism_takes_the_full_loop() {
    let churn = "churn = { on_s = { dist = \"exponential\", mean = 60 }, \
                 off_s = { dist = \"exponential\", mean = 10 } }";
    let cases: [(&str, Config); 21] = [
        ("churn", config("", "", "", churn, "")),
        ("input_kb", config("input_kb = 20", "", "", "", "")),
        ("output_kb", config("output_kb = 20", "", "", "", "")),
        ("uplink_mbps", config("", "", "", "uplink_mbps = 10", "")),
        (
            "downlink_mbps",
            config("", "", "", "downlink_mbps = 10", ""),
        ),
        ("copies", config("", "copies = 2", "", "", "")),
        ("hedge_ms", config("", "hedge_ms = 20", "", "", "")),
        ("quorum", config("", "quorum = 2", "", "", "")),
        // A key of copies given at its default: what copies cost is
        // reported.
        ("cancel", config("", "cancel = \"first\"", "", "", "")),
        ("copies = 1", config("", "copies = 1", "", "", "")),
        ("quorum = 1", config("", "quorum = 1", "", "", "")),
        (
            "cancel_on_timeout",
            config("", "cancel_on_timeout = true", "", "", ""),
        ),
        ("drop_late", config("", "drop_late = true", "", "", "")),
        ("wrong", config("", "", "", "wrong = 0.1", "")),
        ("half_life_s", config("", "", "half_life_s = 30", "", "")),
        ("count", config("", "count = 2", "", "", "")),
        (
            "view",
            config("", "view = \"heartbeat\"\nheartbeat_ms = 100", "", "", ""),
        ),
        (
            "view",
            config("", "view = \"board\"\nheartbeat_ms = 100", "", "", ""),
        ),
        (
            "price_per_hour",
            config("", "", "", "price_per_hour = 0.2", ""),
        ),
        (
            "power_w",
            config("", "", "", "power_w = { idle = 60, busy = 300 }", ""),
        ),
        (
            "revenue_per_hour",
            config("", "", "", "", "[cost]\nrevenue_per_hour = 1"),
        ),
    ];
    for (key, cfg) in &cases {
        assert!(!core_only(cfg), "{key} on, yet the run takes the core loop");
    }
}

#[test]
fn the_bundled_scenarios_take_the_loop_they_need() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let takes_core = |file: &str| {
        let scenario = p2c2g::scenario::load(&root.join(file), &[]).unwrap();
        core_only(&scenario.config)
    };
    for file in [
        "scenarios/baseline.toml",
        "scenarios/poc.toml",
        "scenarios/bench/mmc.toml",
        "scenarios/bench/supermarket.toml",
        "scenarios/bench/large.toml",
        "scenarios/bench/metro.toml",
    ] {
        assert!(takes_core(file), "{file} takes the full loop");
    }
    for file in [
        "scenarios/churn.toml",
        "scenarios/links.toml",
        "scenarios/regions.toml",
        "scenarios/tail.toml",
        "scenarios/trust.toml",
        "scenarios/bench/wave2.toml",
    ] {
        assert!(!takes_core(file), "{file} takes the core loop");
    }
}
