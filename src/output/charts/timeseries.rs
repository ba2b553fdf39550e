//! Tasks waiting, busy slots and the on-time rate over time.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::run::{Run, Window};
use super::style::{
    at, axis, finite_max, legend, phase_marks, time_end, time_labels, DrawResult, Line, FONT,
    PALETTE,
};

/// One value of a window, if it has one (no on-time rate without deliveries).
type Measure = fn(&Window) -> Option<f64>;

/// Windows that delivered fewer than this share of the median window's
/// frames have no on-time rate drawn: the last windows of the drain hold a
/// straggler or two each, late by nature, and their 0% said nothing of
/// the run.
const SPARSE: f64 = 0.1;

/// The fewest frames a window must deliver for its on-time rate to be
/// drawn: a tenth of the median over the windows that delivered any.
pub fn fewest_delivered(windows: &[Window]) -> u64 {
    let mut counts: Vec<u64> = windows
        .iter()
        .map(|w| w.delivered)
        .filter(|&n| n > 0)
        .collect();
    if counts.is_empty() {
        return 1;
    }
    counts.sort_unstable();
    let median = counts[counts.len() / 2] as f64;
    ((median * SPARSE).ceil() as u64).max(1)
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let w = &run.windows;
    let t_end = time_end(w.iter().map(|w| w.t_s));
    let x = axis(0.0, t_end);
    let time_label = time_labels(t_end);
    let panels = root.split_evenly((3, 1));
    let window_s = match (w.first(), w.get(1)) {
        (Some(a), Some(b)) => b.t_s - a.t_s,
        _ => 0.0,
    };
    // Peers that come and go: their share online is drawn with the slots'.
    let churns = w.iter().any(|w| w.online < 1.0 - 1e-9);
    let fewest = fewest_delivered(w);
    let sparse = w
        .iter()
        .filter(|w| w.delivered > 0 && w.delivered < fewest)
        .count();
    let on_time_caption = if sparse > 0 {
        format!(
            "frames on time, share of those delivered in the window ({sparse} window{} with \
             under {fewest} deliveries left out)",
            if sparse == 1 { "" } else { "s" }
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
            .filter(|w| i != 2 || w.delivered >= fewest)
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
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
    }
    Ok(())
}
