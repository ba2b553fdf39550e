//! The CDF of frame and task latency over every counted frame and task,
//! the deadline marked. A frame that failed never arrives, so the curve
//! levels off below 100% at the share delivered, and the legend says how
//! many failed: a run that lost most of its frames cannot look on time.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::run::{latency_range, Run};
use super::style::{
    huge, legend, log_axis, ms_label, thin, DrawResult, Line, FONT, MAX_POINTS, PALETTE,
};
use crate::output::number::thousands;

/// The empirical CDF of `(upper_ms, count)` buckets over `total` items
/// (those without a bucket never arrived) as a step line: flat up to each
/// bucket's value, then a rise by its share. Thinned first, so the steps
/// stay true to the points kept.
pub fn cdf_points(mut buckets: Vec<(f64, u64)>, total: u64) -> Vec<(f64, f64)> {
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let counted: u64 = buckets.iter().map(|b| b.1).sum();
    // A summary that counts fewer than the histogram holds (a damaged
    // file): the histogram's own count, so the curve stays within 100%.
    let total = total.max(counted);
    if counted == 0 {
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

/// The buckets of one series of the run's histogram.
pub fn buckets(run: &Run, series: &str) -> Vec<(f64, u64)> {
    run.latency
        .iter()
        .filter(|r| r.series == series)
        .map(|r| (r.upper_ms, r.count))
        .collect()
}

/// "2.5% failed", with enough decimals that a failure is never "0%".
pub fn failed_share(failed: u64, of: u64) -> String {
    if of == 0 {
        return "none counted".into();
    }
    let pct = 100.0 * failed as f64 / of as f64;
    let text = if failed == 0 || pct >= 10.0 {
        format!("{pct:.0}%")
    } else if pct >= 0.1 {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.2}%").replace("0.00%", "<0.01%")
    };
    format!("{text} failed")
}

/// Why there is no curve: said in the middle of an empty chart.
fn why_empty(run: &Run) -> String {
    let s = &run.summary;
    if s.frames == 0 {
        "no frame was counted: the warm-up covers the whole run".into()
    } else {
        format!(
            "no frame was delivered: all {} counted frames failed",
            thousands(s.frames)
        )
    }
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
        .y_desc("share of counted frames / tasks delivered within")
        .x_label_formatter(&ms_label)
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    let s = &run.summary;
    let frames = cdf_points(buckets(run, "frame"), s.frames);
    let tasks = cdf_points(buckets(run, "task"), s.tasks);
    let (frame_colour, task_colour) = (PALETTE[0], PALETTE[7]);
    let delivered = frames.last().map_or(0.0, |p| p.1);
    chart
        .draw_series([Line::new(tasks, task_colour.stroke_width(2))])?
        .label(format!(
            "tasks (creation to reply), {}",
            failed_share(s.tasks_failed, s.tasks)
        ))
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], task_colour.stroke_width(2)));
    let empty = frames.is_empty();
    chart
        .draw_series([Line::new(frames, frame_colour.stroke_width(3))])?
        .label(format!(
            "frames (creation to delivery), {}",
            failed_share(s.frames_failed, s.frames)
        ))
        .legend(move |(x, y)| {
            PathElement::new([(x, y), (x + 24, y)], frame_colour.stroke_width(3))
        });

    // A deadline whose mean is not finite (a Pareto of shape <= 1) is not
    // drawn: it is on no axis. One far past every latency (1e6 ms: "no
    // deadline") is said in the legend, not drawn, so the axis keeps to
    // the latencies.
    let deadline = s.deadline_mean_ms;
    if deadline.is_finite() {
        let red = PALETTE[3];
        let ms = huge(deadline).unwrap_or_else(|| format!("{deadline:.0}"));
        let mut label = if s.deadline_constant {
            format!("deadline {ms} ms")
        } else {
            format!("mean deadline {ms} ms")
        };
        let shown = deadline <= hi;
        if !shown {
            label += " (far right of the chart)";
        }
        let line = if shown {
            vec![(deadline, 0.0), (deadline, 1.0)]
        } else {
            Vec::new()
        };
        chart
            .draw_series(DashedLineSeries::new(line, 8, 5, red.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], red.stroke_width(2)));
    }

    // Percentiles are of the delivered frames: each dot sits on the curve,
    // at its share of all counted frames, named beside it below and right
    // (where neither curve can be: both rise to the right), its value in a
    // box in the lower right corner.
    let marks = [
        ("p50", 0.50, s.frame_latency_p50_ms),
        ("p95", 0.95, s.frame_latency_p95_ms),
        ("p99", 0.99, s.frame_latency_p99_ms),
    ];
    let right_edge = chart.plotting_area().get_pixel_range().0.end;
    let mut values = Vec::new();
    for (name, q, value) in marks {
        let Some(x) = value.filter(|x| x.is_finite()) else {
            continue;
        };
        values.push(format!("{name} {x:.1} ms"));
        let y = q * delivered;
        let (px, _) = chart.backend_coord(&(x, y));
        let room = right_edge - px > 40;
        let (dx, side) = if room {
            (7, HPos::Left)
        } else {
            (-7, HPos::Right)
        };
        let style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(side, VPos::Top));
        chart.plotting_area().draw(
            &(EmptyElement::at((x, y))
                + Circle::new((0, 0), 5, frame_colour.filled())
                + Text::new(name, (dx, 3), style)),
        )?;
    }
    if !values.is_empty() {
        let of = if s.frames_failed > 0 {
            " (of delivered frames)"
        } else {
            ""
        };
        let label = format!("{}{of}", values.join(", "));
        // The dots' legend line: no points of its own, the dots are drawn.
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label(label)
            .legend(move |(x, y)| Circle::new((x + 12, y), 5, frame_colour.filled()));
    }
    if empty {
        let grey = BLACK.mix(0.7);
        let style = TextStyle::from((FONT, 20).into_font())
            .color(&grey)
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart.draw_series([Text::new(why_empty(run), ((lo * hi).sqrt(), 0.5), style)])?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_levels_off_at_the_share_delivered() {
        let steps = cdf_points(vec![(20.0, 3), (10.0, 1)], 10);
        assert_eq!(
            steps,
            vec![(10.0, 0.0), (10.0, 0.1), (20.0, 0.1), (20.0, 0.4)]
        );
        assert!(cdf_points(Vec::new(), 10).is_empty());
        // A total below the histogram's count is not believed.
        assert_eq!(cdf_points(vec![(5.0, 4)], 2).last(), Some(&(5.0, 1.0)));
    }

    #[test]
    fn a_failed_share_is_never_rounded_to_nothing() {
        assert_eq!(failed_share(0, 10), "0% failed");
        assert_eq!(failed_share(83, 100), "83% failed");
        assert_eq!(failed_share(1, 200), "0.5% failed");
        assert_eq!(failed_share(1, 5000), "0.02% failed");
        assert_eq!(failed_share(1, 1_000_000), "<0.01% failed");
        assert_eq!(failed_share(0, 0), "none counted");
    }
}
