//! Tasks waiting, busy slots and the on-time rate over time.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::run::{Run, Window};
use super::style::{
    along, at, axis, densified, finite_max, free_corner, legend, phase_marks, tick_labels,
    time_end, DrawResult, Line, DEFAULT_LABELS, FONT, PALETTE,
};

/// One value of a window, if it has one (no on-time rate without deliveries).
type Measure = fn(&Window) -> Option<f64>;

/// Windows that delivered fewer than this share of the median window's
/// frames have no on-time rate drawn: a rate of one or two frames says
/// nothing of the run...
const SPARSE: f64 = 0.1;
/// ...nor, once new frames stop, does one of fewer than half the median:
/// the drain delivers the stragglers, late by nature, and its last windows
/// plunged to 0%.
const SPARSE_IN_DRAIN: f64 = 0.5;

/// The median of the deliveries of the windows that delivered any.
fn median_delivered(windows: &[Window]) -> f64 {
    let mut counts: Vec<u64> = windows
        .iter()
        .map(|w| w.delivered)
        .filter(|&n| n > 0)
        .collect();
    counts.sort_unstable();
    counts.get(counts.len() / 2).map_or(0.0, |&n| n as f64)
}

/// Whether a window delivered too few frames for its on-time rate to be
/// drawn (`duration_s`: when new frames stop).
pub fn sparse(w: &Window, median: f64, duration_s: f64) -> bool {
    let share = if w.t_s > duration_s + 1e-9 {
        SPARSE_IN_DRAIN
    } else {
        SPARSE
    };
    w.delivered > 0 && (w.delivered as f64) < median * share
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let w = &run.windows;
    let t_end = time_end(w.iter().map(|w| w.t_s));
    let x = axis(0.0, t_end);
    let time_label = tick_labels(x.clone(), DEFAULT_LABELS);
    let panels = root.split_evenly((3, 1));
    let window_s = match (w.first(), w.get(1)) {
        (Some(a), Some(b)) => b.t_s - a.t_s,
        _ => 0.0,
    };
    // Peers that come and go: their share online is drawn with the slots'.
    let churns = w.iter().any(|w| w.online < 1.0 - 1e-9);
    let median = median_delivered(w);
    let duration_s = run.summary.duration_s;
    let left_out = w.iter().filter(|w| sparse(w, median, duration_s)).count();
    let on_time_caption = if left_out > 0 {
        format!(
            "frames on time, share of those delivered in the window ({left_out} window{} of few \
             deliveries left out)",
            if left_out == 1 { "" } else { "s" }
        )
    } else {
        "frames on time, share of those delivered in the window".to_string()
    };
    let queued_top = (finite_max(w.iter().map(|w| w.queued), 0.0) * 1.1).max(5.0);
    let specs: [(&str, &str, Measure, f64); 3] = [
        (
            "tasks waiting (coordinator and peer queues)",
            "tasks",
            |w| Some(w.queued),
            // at least 0..5, so that a small queue gets whole-number ticks
            queued_top,
        ),
        (
            if churns {
                "busy slots and peers online"
            } else {
                "busy slots, share of all slots"
            },
            if churns { "share" } else { "busy" },
            |w| Some(w.busy * 100.0),
            100.0,
        ),
        ("", "on time", |w| w.on_time.map(|x| x * 100.0), 100.0),
    ];
    for (i, (panel, (what, unit, value, top))) in panels.iter().zip(specs).enumerate() {
        let colour = PALETTE[i];
        let y = axis(0.0, top);
        let top = y.end;
        let caption = if i == 2 {
            on_time_caption.as_str()
        } else {
            what
        };
        let mut chart = ChartBuilder::on(panel)
            .margin(12)
            .caption(caption, (FONT, 18))
            .x_label_area_size(if i == 2 { 45 } else { 25 })
            .y_label_area_size(70)
            .build_cartesian_2d(x.clone(), y.clone())?;
        let percent = i > 0;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(if percent {
            format!("{unit} (%)")
        } else {
            unit.to_string()
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_label_formatter(&time_label)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .y_labels(5);
        if i == 2 {
            mesh.x_desc(format!("simulated time (s); windows of {window_s:.2} s"));
        }
        mesh.draw()?;
        phase_marks(&mut chart, run.phases(), top, i == 0)?;
        let points: Vec<(f64, f64)> = w
            .iter()
            .filter(|w| i != 2 || !sparse(w, median, duration_s))
            .filter_map(|w| at(&x, &y, (w.t_s, value(w)?)))
            .collect();
        let drawn = chart.draw_series([Line::new(points, colour.stroke_width(2))])?;
        if i == 1 && churns {
            // Churn: how many peers are online, beside how busy the slots are.
            drawn
                .label("busy slots, share of all slots")
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(2))
                });
            let online = PALETTE[3];
            let points: Vec<(f64, f64)> = w
                .iter()
                .filter_map(|w| at(&x, &y, (w.t_s, w.online * 100.0)))
                .collect();
            chart
                .draw_series([Line::new(points, online.stroke_width(2))])?
                .label("peers online, share of all peers")
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], online.stroke_width(2))
                });
            use SeriesLabelPosition::*;
            let line = |v: fn(&Window) -> f64| -> Vec<(f64, f64)> {
                let points: Vec<(f64, f64)> = w
                    .iter()
                    .map(|w| (along(&x, w.t_s), along(&y, v(w) * 100.0)))
                    .collect();
                densified(&points)
            };
            let drawn = line(|w| w.busy).into_iter().chain(line(|w| w.online));
            let corner = free_corner(drawn, &[UpperRight, MiddleRight, LowerRight, UpperLeft]);
            legend(&mut chart, corner)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(t_s: f64, delivered: u64) -> Window {
        Window {
            t_s,
            queued: 0.0,
            busy: 0.0,
            online: 1.0,
            on_time: Some(0.0),
            delivered,
            attempts_per_s: 0.0,
            failovers_per_s: 0.0,
            timeouts_per_s: 0.0,
        }
    }

    #[test]
    fn few_deliveries_are_sparse_and_fewer_still_count_in_the_drain() {
        let w: Vec<Window> = [30, 30, 2, 30, 20, 1]
            .iter()
            .enumerate()
            .map(|(i, &n)| window(i as f64, n))
            .collect();
        let median = median_delivered(&w);
        assert_eq!(median, 30.0);
        // Before new frames stop (at 3.5 s): under a tenth of the median.
        let sparse_at = |i: usize| sparse(&w[i], median, 3.5);
        assert!(sparse_at(2));
        assert!(!sparse_at(1));
        // After: under half of it.
        assert!(!sparse_at(4), "20 of 30");
        assert!(sparse_at(5));
        assert!(
            !sparse(&window(9.0, 0), median, 3.5),
            "no delivery: no rate"
        );
    }
}
