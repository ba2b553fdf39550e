//! Each peer's utilisation and reputation against its true reliability.

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::run::Run;
use super::style::{at, axis, legend, DrawResult, FONT, PALETTE};
use crate::model::PeerReport;

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let shown = &run.peers.shown;
    let groups = &run.peers.groups;
    // The peers shown, by group (in the order of `groups`), each group's
    // in the order read: found in one pass however many groups there are.
    let index: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.as_str(), i))
        .collect();
    let mut by_group: Vec<(usize, &PeerReport)> = shown
        .iter()
        .map(|p| (index.get(p.group.as_str()).copied().unwrap_or(0), p))
        .collect();
    by_group.sort_by_key(|(g, _)| *g);
    // Reliabilities are often a few discrete values: spread the dots a
    // little, by peer id, so that they do not hide each other.
    let spread =
        |p: &PeerReport| p.reliability + ((f64::from(p.peer) * 0.618_034).fract() - 0.5) * 0.012;
    let x_lo = run.peers.lowest_reliability;
    let x_range = axis((x_lo - 0.03).max(-0.01), 1.01);
    let caption = if shown.len() < run.peers.count {
        format!("{} of {} peers shown", shown.len(), run.peers.count)
    } else {
        format!("{} peers", run.peers.count)
    };
    let panels = root.split_evenly((1, 2));
    let util_top = run.peers.top_utilization_pct * 1.1;
    let specs = [
        ("utilisation", "busy slot-time share (%)", util_top),
        ("final reputation", "reputation", 1.05),
    ];
    for (i, (panel, (what, y_desc, top))) in panels.iter().zip(specs).enumerate() {
        let y_range = axis(0.0, top);
        let mut chart = ChartBuilder::on(panel)
            .margin(15)
            .caption(format!("{what} ({caption})"), (FONT, 18))
            .x_label_area_size(50)
            .y_label_area_size(65)
            .build_cartesian_2d(x_range.clone(), y_range.clone())?;
        chart
            .configure_mesh()
            .x_desc("true reliability (dots spread by +-0.006)")
            .y_desc(y_desc)
            .x_label_formatter(&|x| format!("{x:.2}"))
            .y_label_formatter(&|y| {
                if i == 0 {
                    format!("{y:.0}")
                } else {
                    format!("{y:.1}")
                }
            })
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()?;
        if i == 1 {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x_range.start.max(0.0), x_range.start.max(0.0)), (1.0, 1.0)],
                    6,
                    4,
                    BLACK.mix(0.5).stroke_width(1),
                ))?
                .label("reputation = reliability")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.mix(0.5)));
        }
        let value = |p: &PeerReport| {
            if i == 0 {
                p.utilization * 100.0
            } else {
                p.reputation
            }
        };
        let mut rest = by_group.as_slice();
        for (k, g) in groups.iter().enumerate() {
            let c = PALETTE[k % PALETTE.len()];
            let n = rest.iter().take_while(|(group, _)| *group == k).count();
            let (mine, others) = rest.split_at(n);
            rest = others;
            chart
                .draw_series(mine.iter().filter_map(|(_, p)| {
                    let dot = at(&x_range, &y_range, (spread(p), value(p)))?;
                    Some(Circle::new(dot, 4, c.mix(0.75).filled()))
                }))?
                .label(g.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, c.filled()));
        }
        let corner = if i == 0 {
            SeriesLabelPosition::UpperLeft
        } else {
            SeriesLabelPosition::LowerRight
        };
        legend(&mut chart, corner)?;
    }
    Ok(())
}
