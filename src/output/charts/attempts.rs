//! Attempts per second over time, and below them, on a scale of their
//! own, failovers and timeouts: beside thousands of attempts a second, a
//! few dozen timeouts would be a flat line at the bottom of one panel.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::run::{Run, Window};
use super::style::{
    at, axis, finite_max, legend, phase_marks, tick_labels, time_end, time_labels, DrawResult,
    Line, FONT, PALETTE,
};

/// Tick labels on each panel's rate axis.
const LABELS: usize = 6;

/// One rate of a window, per second.
type Rate = fn(&Window) -> f64;

/// A rate drawn: its name, its colour in the palette, and the rate.
type Series = (&'static str, usize, Rate);

/// The panels, top to bottom: a caption and the rates it draws.
const PANELS: [(&str, &[Series]); 2] = [
    (
        "attempts sent (first tries, retries, copies)",
        &[("attempts", 0, |w| w.attempts_per_s)],
    ),
    (
        "failovers and timeouts, on a scale of their own",
        &[
            ("failovers (retries)", 1, |w| w.failovers_per_s),
            ("timeouts", 3, |w| w.timeouts_per_s),
        ],
    ),
];

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let w = run.windows.get(1..).unwrap_or_default();
    let t_end = time_end(w.iter().map(|w| w.t_s));
    let time_label = time_labels(t_end);
    let x = axis(0.0, t_end);
    let panels = root.split_evenly((2, 1));
    for (i, (panel, (caption, rates))) in panels.iter().zip(PANELS).enumerate() {
        let highest = rates
            .iter()
            .map(|(_, _, rate)| finite_max(w.iter().map(rate), 0.0))
            .fold(0.0, f64::max);
        // At least 0..5 a second, so that none has whole-number ticks.
        let y = axis(0.0, (highest * 1.1).max(5.0));
        let top = y.end;
        let last = i + 1 == PANELS.len();
        let mut chart = ChartBuilder::on(panel)
            .margin(15)
            .caption(caption, (FONT, 18))
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
        for &(name, c, rate) in rates.iter() {
            let colour = PALETTE[c];
            let total: f64 = w.iter().map(rate).sum();
            let label = if total > 0.0 {
                name.to_string()
            } else {
                format!("{name}: none")
            };
            chart
                .draw_series([Line::new(
                    w.iter().filter_map(|w| at(&x, &y, (w.t_s, rate(w)))),
                    colour.stroke_width(2),
                )])?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(2))
                });
        }
        if rates.len() > 1 {
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
    }
    Ok(())
}
