//! Several coordinators side by side: each one's on-time rate, and its
//! frame latency (median, p95, p99), from `coordinators.csv`.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::run::Run;
use super::style::{
    at, axis, finite_max, legend, tick_labels, DrawResult, Ticked, DEFAULT_LABELS, FONT, PALETTE,
};
use crate::model::CoordinatorReport;

/// One of a coordinator's latency quantiles.
type Quantile = fn(&CoordinatorReport) -> Option<f64>;

/// Only a run with several coordinators has the file.
pub fn applies(run: &Run) -> bool {
    !run.coordinators.is_empty()
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let rows = &run.coordinators;
    let n = rows.len();
    let x_range = axis(-0.6, n as f64 - 0.4);
    // Coordinator numbers only, at most about 20 of them, ticked where
    // they are (ticks between two coordinators had no label).
    let step = n.div_ceil(20).max(1);
    let ticks: Vec<f64> = (0..n).step_by(step).map(|i| i as f64).collect();
    let x_label = |x: &f64| format!("{:.0}", x.round());
    let panels = root.split_evenly((1, 2));
    // Left: the share of each one's frames on time.
    let lowest = rows
        .iter()
        .filter_map(|r| r.deadline_hit_rate)
        .fold(1.0f64, f64::min);
    let y_lo = ((lowest * 100.0 - 2.0) / 5.0).floor().max(0.0) * 5.0;
    let y_range = axis(y_lo, 100.5);
    let mut chart = ChartBuilder::on(&panels[0])
        .margin(15)
        .caption("frames on time", (FONT, 18))
        .x_label_area_size(50)
        .y_label_area_size(65)
        .build_cartesian_2d(Ticked::new(x_range.clone(), ticks.clone()), y_range.clone())?;
    chart
        .configure_mesh()
        .x_desc("coordinator")
        .y_desc("on time (% of its counted frames)")
        .x_label_formatter(&x_label)
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .disable_x_mesh()
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    // Dots, not bars: the axis starts where the rates are, not at 0.
    let dots = rows.iter().enumerate().filter_map(|(i, r)| {
        let rate = r.deadline_hit_rate? * 100.0;
        let p = at(&x_range, &y_range, (i as f64, rate))?;
        let label = if n <= 12 {
            format!("{rate:.2}%")
        } else {
            String::new()
        };
        Some(
            EmptyElement::at(p)
                + Circle::new((0, 0), 6, PALETTE[0].filled())
                + Text::new(label, (10, -8), (FONT, 14)),
        )
    });
    chart.draw_series(dots)?;
    // Right: each one's frame latency, median to p99.
    let top = finite_max(rows.iter().filter_map(|r| r.frame_latency_p99_ms), 1.0) * 1.1;
    let y_range = axis(0.0, top);
    let mut chart = ChartBuilder::on(&panels[1])
        .margin(15)
        .caption("frame latency", (FONT, 18))
        .x_label_area_size(50)
        .y_label_area_size(65)
        .build_cartesian_2d(Ticked::new(x_range.clone(), ticks), y_range.clone())?;
    chart
        .configure_mesh()
        .x_desc("coordinator")
        .y_desc("frame latency (ms)")
        .x_label_formatter(&x_label)
        .y_label_formatter(&tick_labels(y_range.clone(), DEFAULT_LABELS))
        .disable_x_mesh()
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    let quantiles: [(&str, Quantile); 3] = [
        ("median", |r| r.frame_latency_p50_ms),
        ("p95", |r| r.frame_latency_p95_ms),
        ("p99", |r| r.frame_latency_p99_ms),
    ];
    for (k, (name, of)) in quantiles.into_iter().enumerate() {
        let colour = PALETTE[k + 1];
        let dots: Vec<(f64, f64)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| at(&x_range, &y_range, (i as f64, of(r)?)))
            .collect();
        chart
            .draw_series(dots.into_iter().map(|p| Circle::new(p, 5, colour.filled())))?
            .label(name)
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, colour.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}
