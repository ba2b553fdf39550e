//! Attempts per second over time, and below them, on a scale of their
//! own, failovers and timeouts: beside thousands of attempts a second, a
//! few dozen timeouts would be a flat line at the bottom of one panel.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::run::{Run, Window};
use super::style::{
    at, axis, finite_max, phase_marks, tick_labels, time_end, DrawResult, Line, DEFAULT_LABELS,
    FONT, PALETTE,
};

/// Tick labels on each panel's rate axis.
const LABELS: usize = 6;

/// One rate of a window, per second.
type Rate = fn(&Window) -> f64;

/// A rate drawn: its name, its colour in the palette and the colour's
/// name, and the rate.
type Series = (&'static str, usize, &'static str, Rate);

/// The panels, top to bottom: what they show and the rates they draw. The
/// caption names each rate with its colour (no legend box: in a panel full
/// of a noisy line, any corner of it hides some).
const PANELS: [(&str, &[Series]); 2] = [
    (
        "attempts sent (first tries, retries, copies)",
        &[("attempts", 0, "blue", |w| w.attempts_per_s)],
    ),
    (
        "on a scale of their own",
        &[
            ("failovers", 1, "orange", |w| w.failovers_per_s),
            ("timeouts", 3, "red", |w| w.timeouts_per_s),
        ],
    ),
];

/// A panel's caption: what it shows, or each rate with its colour (and
/// "none" for one that is 0 throughout), then what it shows.
fn caption(what: &str, rates: &[Series], windows: &[Window]) -> String {
    if rates.len() < 2 {
        return what.to_string();
    }
    let named: Vec<String> = rates
        .iter()
        .map(|&(name, _, colour, rate)| {
            let none = windows.iter().all(|w| rate(w) == 0.0);
            format!("{name} ({colour}{})", if none { ": none" } else { "" })
        })
        .collect();
    format!("{}, {what}", named.join(" and "))
}

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let w = run.windows.get(1..).unwrap_or_default();
    let t_end = time_end(w.iter().map(|w| w.t_s));
    let x = axis(0.0, t_end);
    let time_label = tick_labels(x.clone(), DEFAULT_LABELS);
    let panels = root.split_evenly((2, 1));
    for (i, (panel, (what, rates))) in panels.iter().zip(PANELS).enumerate() {
        let highest = rates
            .iter()
            .map(|(_, _, _, rate)| finite_max(w.iter().map(rate), 0.0))
            .fold(0.0, f64::max);
        // At least 0..5 a second, so that none has whole-number ticks.
        let y = axis(0.0, (highest * 1.1).max(5.0));
        let top = y.end;
        let last = i + 1 == PANELS.len();
        let mut chart = ChartBuilder::on(panel)
            .margin(15)
            .caption(caption(what, rates, w), (FONT, 18))
            .x_label_area_size(if last { 50 } else { 30 })
            .y_label_area_size(80)
            .build_cartesian_2d(x.clone(), y.clone())?;
        let y_label = tick_labels(y.clone(), LABELS);
        let mut mesh = chart.configure_mesh();
        mesh.y_desc("per second")
            .y_label_formatter(&y_label)
            .x_label_formatter(&time_label)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .y_labels(LABELS);
        if last {
            mesh.x_desc("simulated time (s)");
        }
        mesh.draw()?;
        phase_marks(&mut chart, run.phases(), top, i == 0)?;
        for &(_, c, _, rate) in rates.iter() {
            chart.draw_series([Line::new(
                w.iter().filter_map(|w| at(&x, &y, (w.t_s, rate(w)))),
                PALETTE[c].stroke_width(2),
            )])?;
        }
    }
    Ok(())
}
