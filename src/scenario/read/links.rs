//! Links: the sizes of a task's messages (`[workload]`) and the bandwidth
//! of each peer's access link (`[[peers]]`). Each is optional: left out, it
//! is left out of the resolved scenario too, and a scenario that gives
//! none of them has no links (and no links' columns).

use super::*;

/// `input_kb` and `output_kb`, if given.
pub(super) fn sizes(t: &Table) -> (Option<Dist>, Option<Dist>) {
    (
        t.optional_dist("input_kb", Quantity::Size),
        t.optional_dist("output_kb", Quantity::Size),
    )
}

/// The longest message group `i`'s links can carry, `8 x kB / Mbps`, must
/// fit the clock.
pub(super) fn messages_fit_the_clock(root: &Table, i: usize, g: &PeerGroup, w: &Workload) {
    let directions = [
        ("downlink_mbps", &g.downlink_mbps, &w.input_kb, "input_kb"),
        ("uplink_mbps", &g.uplink_mbps, &w.output_kb, "output_kb"),
    ];
    for (key, mbps, kb, size_key) in directions {
        let (Some(mbps), Some(kb)) = (mbps, kb) else {
            continue;
        };
        let (slowest, _) = mbps.practical_range();
        let (_, largest) = kb.practical_range();
        let longest_ms = 8.0 * largest / slowest;
        if longest_ms > MAX_TIME_MS {
            let path = format!("peers.{i}.{key}");
            root.fail(root.error_at_path_named(
                &path,
                format!("peers[{i}].{key}"),
                format!(
                    "a message takes 8 x kB / Mbps on the link, which can reach about \
                     {longest_ms:.3e} ms ({size_key} up to about {largest:.3e} kB at \
                     {slowest:.3e} Mbps); expected at most {MAX_TIME_MS:e} ms (the nanosecond \
                     clock ends at about 1.8e13 ms)"
                ),
            ));
        }
    }
}
