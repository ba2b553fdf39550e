//! The CDF of frame and task latency, the deadline marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::run::{latency_range, Run};
use super::style::{huge, legend, log_axis, ms_label, thin, DrawResult, FONT, MAX_POINTS, PALETTE};

/// The empirical CDF of `(upper_ms, count)` buckets as a step line: flat
/// up to each bucket's value, then a rise by its share. Thinned first, so
/// the steps stay true to the points kept.
fn cdf_points(mut buckets: Vec<(f64, u64)>) -> Vec<(f64, f64)> {
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: u64 = buckets.iter().map(|b| b.1).sum();
    if total == 0 {
        return Vec::new();
    }
    let mut seen = 0;
    let points: Vec<(f64, f64)> = buckets
        .into_iter()
        .map(|(x, n)| {
            seen += n;
            (x, seen as f64 / total as f64)
        })
        .collect();
    let mut steps = Vec::new();
    let mut below = 0.0;
    for (x, share) in thin(&points, MAX_POINTS / 2) {
        steps.push((x, below));
        steps.push((x, share));
        below = share;
    }
    steps
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    // A log axis maps any finite value within a few thousand widths of
    // itself, so finite values are all it needs.
    let (lo, hi) = latency_range(run);
    let mut chart = ChartBuilder::on(root)
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(log_axis(lo, hi), 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("latency (ms, log scale)")
        .y_desc("share of delivered frames / completed tasks at or below")
        .x_label_formatter(&ms_label)
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    let frames = cdf_points(
        run.latency
            .iter()
            .filter(|r| r.series == "frame")
            .map(|r| (r.upper_ms, r.count))
            .collect(),
    );
    let tasks = cdf_points(
        run.latency
            .iter()
            .filter(|r| r.series == "task")
            .map(|r| (r.upper_ms, r.count))
            .collect(),
    );
    let (frame_colour, task_colour) = (PALETTE[0], PALETTE[7]);
    chart
        .draw_series(LineSeries::new(tasks, task_colour.stroke_width(2)))?
        .label("tasks (creation to reply)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], task_colour.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(frames, frame_colour.stroke_width(3)))?
        .label("frames (creation to delivery)")
        .legend(move |(x, y)| {
            PathElement::new([(x, y), (x + 24, y)], frame_colour.stroke_width(3))
        });

    // A deadline whose mean is not finite (a Pareto of shape <= 1) is not
    // drawn: it is on no axis.
    let deadline = run.summary.deadline_mean_ms;
    if deadline.is_finite() {
        let red = PALETTE[3];
        chart
            .draw_series(DashedLineSeries::new(
                [(deadline, 0.0), (deadline, 1.0)],
                8,
                5,
                red.stroke_width(2),
            ))?
            .label({
                let ms = huge(deadline).unwrap_or_else(|| format!("{deadline:.0}"));
                if run.summary.deadline_constant {
                    format!("deadline {ms} ms")
                } else {
                    format!("mean deadline {ms} ms")
                }
            })
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], red.stroke_width(2)));
    }

    let s = &run.summary;
    let marks = [
        ("p50", 0.50, s.frame_latency_p50_ms),
        ("p95", 0.95, s.frame_latency_p95_ms),
        ("p99", 0.99, s.frame_latency_p99_ms),
    ];
    for (name, q, value) in marks {
        if let Some(x) = value.filter(|x| x.is_finite()) {
            chart.draw_series([Circle::new((x, q), 5, frame_colour.filled())])?;
            chart.draw_series([Text::new(
                format!("{name} {x:.1} ms"),
                (x * 1.04, q - 0.06),
                (FONT, 15).into_font(),
            )])?;
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}
