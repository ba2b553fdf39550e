//! Each peer's access link: how much of the run it spent sending, against
//! its bandwidth, one panel per direction. Slow home uplinks show up as the
//! busy dots on the left of the uplink panel.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::run::Run;
use super::style::{
    along, at, axis, finite_max, free_corner, legend, tick_labels, DrawResult, Ticked,
    DEFAULT_LABELS, FONT, PALETTE,
};
use crate::model::PeerReport;

/// One direction of the links: its name, its bandwidth and busy time.
struct Direction {
    name: &'static str,
    mbps: fn(&PeerReport) -> Option<f64>,
    busy_ms: fn(&PeerReport) -> Option<f64>,
}

const DIRECTIONS: [Direction; 2] = [
    Direction {
        name: "uplink (replies)",
        mbps: |p| p.uplink_mbps.flatten(),
        busy_ms: |p| p.uplink_busy_ms,
    },
    Direction {
        name: "downlink (inputs)",
        mbps: |p| p.downlink_mbps.flatten(),
        busy_ms: |p| p.downlink_busy_ms,
    },
];

/// Whether the run's peers have links (their sizes or bandwidths given).
pub fn applies(run: &Run) -> bool {
    run.peers.shown.iter().any(|p| p.uplink_busy_ms.is_some())
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let run_ms = run.summary.sim_time_s * 1000.0;
    let shown = &run.peers.shown;
    let panels = root.split_evenly((1, 2));
    for (panel, d) in panels.iter().zip(DIRECTIONS) {
        // (log10 of the bandwidth, percent of the run spent sending).
        let dot = |p: &PeerReport| {
            let mbps = (d.mbps)(p).filter(|m| *m > 0.0)?;
            let busy = (d.busy_ms)(p)?;
            Some((mbps.log10(), 100.0 * busy / run_ms))
        };
        let dots: Vec<(usize, (f64, f64))> = shown
            .iter()
            .filter_map(|p| Some((group_of(run, p), dot(p)?)))
            .collect();
        let unlimited = shown.len() - dots.len();
        let lo = dots
            .iter()
            .map(|(_, (x, _))| *x)
            .fold(f64::INFINITY, f64::min);
        let hi = finite_max(dots.iter().map(|(_, (x, _))| *x), f64::NEG_INFINITY);
        let (lo, hi) = if dots.is_empty() {
            (0.0, 3.0)
        } else {
            (lo.floor(), hi.ceil().max(lo.floor() + 1.0))
        };
        let x_range = axis(lo - 0.1, hi + 0.1);
        let top = finite_max(dots.iter().map(|(_, (_, y))| *y), 1.0) * 1.1;
        let y_range = axis(0.0, top);
        let caption = match (dots.is_empty(), unlimited) {
            (true, _) => format!("{}: no limit on any peer", d.name),
            (false, 0) => d.name.to_string(),
            (false, n) => format!("{} ({n} without limit not shown)", d.name),
        };
        let mut chart = ChartBuilder::on(panel)
            .margin(15)
            .caption(caption, (FONT, 18))
            .x_label_area_size(50)
            .y_label_area_size(65)
            .build_cartesian_2d(
                Ticked::new(x_range.clone(), ticks(&x_range)),
                y_range.clone(),
            )?;
        chart
            .configure_mesh()
            .x_desc("bandwidth (Mbps, log scale)")
            .y_desc("time spent sending, of the run (%)")
            .x_label_formatter(&|x| bandwidth_label(*x))
            .y_label_formatter(&tick_labels(y_range.clone(), DEFAULT_LABELS))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()?;
        for (k, g) in run.peers.groups.iter().enumerate() {
            let c = PALETTE[k % PALETTE.len()];
            chart
                .draw_series(
                    dots.iter()
                        .filter(|(group, _)| *group == k)
                        .filter_map(|(_, xy)| at(&x_range, &y_range, *xy))
                        .map(|xy| Circle::new(xy, 4, c.mix(0.6).filled())),
                )?
                .label(g.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, c.filled()));
        }
        use SeriesLabelPosition::*;
        let drawn = dots
            .iter()
            .map(|(_, (x, y))| (along(&x_range, *x), along(&y_range, *y)));
        let corner = free_corner(drawn, &[UpperRight, UpperLeft, MiddleRight, LowerRight]);
        legend(&mut chart, corner)?;
    }
    Ok(())
}

fn group_of(run: &Run, p: &PeerReport) -> usize {
    run.peers
        .groups
        .iter()
        .position(|g| *g == p.group)
        .unwrap_or(0)
}

/// Ticks of a log10 bandwidth axis: at 1, 2 and 5 times each power of
/// ten over up to three decades, at each power of ten over more (a range
/// within one decade, 100 to 500 Mbps, had a single tick).
fn ticks(range: &std::ops::Range<f64>) -> Vec<f64> {
    let decades = range.end - range.start;
    let marks: &[f64] = if decades <= 3.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let (from, to) = (range.start.floor() as i32, range.end.ceil() as i32);
    (from..=to)
        .flat_map(|d| marks.iter().map(move |m| f64::from(d) + m.log10()))
        .filter(|x| range.contains(x))
        .collect()
}

/// A tick at `10^x` Mbps, written as the round number it is.
fn bandwidth_label(x: f64) -> String {
    // Three significant digits: 10^log10(2) is 2.0000000000000004.
    let mbps: f64 = format!("{:.2e}", 10f64.powf(x)).parse().unwrap_or(0.0);
    if mbps >= 1000.0 {
        format!("{} Gbps", mbps / 1000.0)
    } else {
        format!("{mbps}")
    }
}

#[cfg(test)]
mod tests {
    use super::bandwidth_label;

    #[test]
    fn ticks_are_round_bandwidths() {
        assert_eq!(bandwidth_label(1.0), "10");
        assert_eq!(bandwidth_label(2.0), "100");
        assert_eq!(bandwidth_label(3.0), "1 Gbps");
        assert_eq!(bandwidth_label(2.0f64.log10() + 2.0), "200");
        assert_eq!(bandwidth_label(5.0f64.log10() + 3.0), "5 Gbps");
        let t = super::ticks(&(1.9..3.1));
        assert_eq!(t.len(), 4, "100, 200, 500, 1 Gbps: {t:?}");
    }
}
