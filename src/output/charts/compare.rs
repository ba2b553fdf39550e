//! The charts of `p2c2g compare`: two runs' latency CDFs overlaid (each
//! over its counted frames, levelling off at its share delivered), and for
//! two sweeps, each compared metric's difference point by point.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::latency_cdf::{buckets, cdf_points, failed_share};
use super::run::{latency_range, Run};
use super::style::{
    charts_dir, huge, legend, log_axis, ms_label, register_font, render, DrawResult, Drawable,
    Format, Line, FONT, PALETTE,
};
use super::sweep::{metric_charts, Points};
use super::ChartError;

/// Two runs' frame latency CDFs on one axis.
struct Cdfs<'a> {
    runs: [(&'a str, &'a Run); 2],
}

impl Drawable for Cdfs<'_> {
    fn file_stem(&self) -> String {
        "latency_cdf".into()
    }
    fn size(&self) -> (u32, u32) {
        (1000, 600)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let root = root.titled(
            "compare: frame latency distribution (CDF), A and B",
            (FONT, 24),
        )?;
        // The frames' latencies of both (and their deadlines, unless far).
        let frames = |run: &Run| -> Vec<f64> {
            run.latency
                .iter()
                .filter(|b| b.series == "frame")
                .flat_map(|b| [b.lower_ms, b.upper_ms])
                .chain([run.summary.deadline_mean_ms])
                .filter(|x| x.is_finite() && *x > 0.0)
                .collect()
        };
        let all: Vec<f64> = self.runs.iter().flat_map(|(_, r)| frames(r)).collect();
        let (lo, hi) = if all.is_empty() {
            latency_range(self.runs[0].1)
        } else {
            let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = all.iter().copied().fold(0.0, f64::max);
            (
                (lo * 0.8).max(0.01),
                (hi * 1.25).max(lo * 10.0).min(f64::MAX),
            )
        };
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(log_axis(lo, hi), 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc("frame latency, creation to delivery (ms, log scale)")
            .y_desc("share of counted frames delivered within")
            .x_label_formatter(&ms_label)
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()?;
        for (i, (label, run)) in self.runs.iter().enumerate() {
            let colour = PALETTE[i];
            let s = &run.summary;
            let points = cdf_points(buckets(run, "frame"), s.frames);
            chart
                .draw_series([Line::new(points, colour.stroke_width(3))])?
                .label(format!(
                    "{label} ({}, seed {}), {}",
                    s.scenario,
                    s.seed,
                    failed_share(s.frames_failed, s.frames)
                ))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(3))
                });
        }
        // The deadline: once if both have it, else each in its run's colour.
        let deadlines = self.runs.map(|(_, r)| r.summary.deadline_mean_ms);
        let same = deadlines[0] == deadlines[1];
        for (i, deadline) in deadlines.into_iter().enumerate() {
            if !deadline.is_finite() || deadline > hi || (same && i == 1) {
                continue;
            }
            let colour = if same { PALETTE[3] } else { PALETTE[i] };
            let ms = huge(deadline).unwrap_or_else(|| format!("{deadline:.0}"));
            let which = if same { "" } else { ["A's ", "B's "][i] };
            chart
                .draw_series(DashedLineSeries::new(
                    [(deadline, 0.0), (deadline, 1.0)],
                    8,
                    5,
                    colour.stroke_width(2),
                ))?
                .label(format!("{which}deadline {ms} ms"))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(2))
                });
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}

/// Draws the two runs' CDFs (`label` each, "A: results/x") into
/// `out/charts/latency_cdf.<format>`.
pub fn draw_cdfs(
    runs: [(&str, &Path); 2],
    out: &Path,
    format: Format,
) -> Result<PathBuf, ChartError> {
    register_font();
    let a = Run::load(runs[0].1)?;
    let b = Run::load(runs[1].1)?;
    let chart = Cdfs {
        runs: [(runs[0].0, &a), (runs[1].0, &b)],
    };
    render(&chart, &charts_dir(out)?, format)
}

/// Draws a chart of each metric of a table of differences between two
/// sweeps (point by point, B minus A) into `out/charts/`.
pub fn draw_differences(
    table: &Points,
    metrics: &[String],
    out: &Path,
    format: Format,
) -> Result<Vec<PathBuf>, ChartError> {
    register_font();
    let charts = metric_charts(table, metrics, None, Some("B minus A"))?;
    let dir = charts_dir(out)?;
    charts
        .iter()
        .map(|chart| render(chart, &dir, format))
        .collect()
}
