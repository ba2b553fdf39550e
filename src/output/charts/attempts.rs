//! Attempts, failovers and timeouts per second over time.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::run::{Run, Window};
use super::style::{
    at, axis, finite_max, legend, phase_marks, time_end, time_labels, DrawResult, FONT, PALETTE,
};

/// One rate of a window, per second.
type Rate = fn(&Window) -> f64;

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let w = run.windows.get(1..).unwrap_or_default();
    let t_end = time_end(w.iter().map(|w| w.t_s));
    let time_label = time_labels(t_end);
    let x = axis(0.0, t_end);
    let y = axis(
        0.0,
        finite_max(w.iter().map(|w| w.attempts_per_s), 1.0) * 1.1,
    );
    let top = y.end;
    let mut chart = ChartBuilder::on(root)
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(x.clone(), y.clone())?;
    chart
        .configure_mesh()
        .x_desc("simulated time (s)")
        .y_desc("per second of simulated time")
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_label_formatter(&time_label)
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    phase_marks(&mut chart, run.phases(), top, true)?;
    let series: [(&str, Rate); 3] = [
        ("attempts", |w| w.attempts_per_s),
        ("failovers (retries)", |w| w.failovers_per_s),
        ("timeouts", |w| w.timeouts_per_s),
    ];
    for (i, (name, value)) in series.into_iter().enumerate() {
        let colour = PALETTE[i];
        chart
            .draw_series(LineSeries::new(
                w.iter().filter_map(|w| at(&x, &y, (w.t_s, value(w)))),
                colour.stroke_width(2),
            ))?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(2)));
    }
    legend(&mut chart, SeriesLabelPosition::MiddleRight)
}
