//! Each peer's utilisation and reputation against its true reliability.

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::run::Run;
use super::style::{
    along, at, axis, free_corner, legend, tick_labels, DrawResult, DEFAULT_LABELS, FONT, PALETTE,
};
use crate::model::PeerReport;
use crate::output::number::count_of;

/// How far, at most, the dots of peers of equal reliability are spread
/// either side of it (twice that to one side, at 0 and 1).
const SPREAD: f64 = 0.006;

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
    // Reliabilities are often a few discrete values: the dots of peers
    // that share one are spread a little, evenly, so that they do not hide
    // each other; a peer alone at its reliability stays at it.
    let mut equal: HashMap<u64, (usize, usize)> = HashMap::new();
    for p in shown {
        equal.entry(p.reliability.to_bits()).or_default().1 += 1;
    }
    let offsets: Vec<f64> = shown
        .iter()
        .map(|p| {
            let (rank, of) = equal.get_mut(&p.reliability.to_bits()).expect("counted");
            *rank += 1;
            if *of < 2 {
                return 0.0;
            }
            // From 0 to 1 along the peers of this reliability; at a bound
            // of reliability they spread inwards only, so that no dot is
            // drawn at a reliability no peer can have.
            let along = (*rank - 1) as f64 / (*of - 1) as f64;
            if p.reliability >= 1.0 {
                -along * 2.0 * SPREAD
            } else if p.reliability <= 0.0 {
                along * 2.0 * SPREAD
            } else {
                (along - 0.5) * 2.0 * SPREAD
            }
        })
        .collect();
    let offset: HashMap<u32, f64> = shown.iter().map(|p| p.peer).zip(offsets).collect();
    let spread = |p: &PeerReport| p.reliability + offset.get(&p.peer).copied().unwrap_or(0.0);
    let spread_any = offset.values().any(|o| *o != 0.0);
    let x_lo = run.peers.lowest_reliability;
    let x_range = axis((x_lo - 0.03).max(-0.01), 1.01);
    let caption = if shown.len() < run.peers.count {
        format!("{} of {} peers shown", shown.len(), run.peers.count)
    } else {
        count_of(run.peers.count as u64, "peer")
    };
    let x_desc = if spread_any {
        format!("true reliability (ties spread over {})", 2.0 * SPREAD)
    } else {
        "true reliability".to_string()
    };
    let x_label = tick_labels(x_range.clone(), DEFAULT_LABELS);
    let panels = root.split_evenly((1, 2));
    let util_top = run.peers.top_utilization_pct * 1.1;
    let specs = [
        ("utilisation", "busy slot-time share (%)", util_top),
        ("final reputation", "reputation", 1.05),
    ];
    for (i, (panel, (what, y_desc, top))) in panels.iter().zip(specs).enumerate() {
        // A little below 0, so that dots at 0 (excluded peers) show whole.
        let y_range = axis(-top * 0.02, top);
        let mut chart = ChartBuilder::on(panel)
            .margin(15)
            .caption(format!("{what} ({caption})"), (FONT, 18))
            .x_label_area_size(50)
            .y_label_area_size(65)
            .build_cartesian_2d(x_range.clone(), y_range.clone())?;
        chart
            .configure_mesh()
            .x_desc(&x_desc)
            .y_desc(y_desc)
            .x_label_formatter(&x_label)
            .y_label_formatter(&tick_labels(y_range.clone(), DEFAULT_LABELS))
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
        // Where the dots (and the dashed line) leave room.
        use SeriesLabelPosition::*;
        let mut drawn: Vec<(f64, f64)> = shown
            .iter()
            .map(|p| (along(&x_range, spread(p)), along(&y_range, value(p))))
            .collect();
        if i == 1 {
            let from = x_range.start.max(0.0);
            drawn.extend((0..=20).map(|k| {
                let r = from + (1.0 - from) * f64::from(k) / 20.0;
                (along(&x_range, r), along(&y_range, r))
            }));
        }
        let candidates = if i == 0 {
            [UpperLeft, UpperRight, MiddleLeft, LowerRight, LowerLeft]
        } else {
            [LowerRight, LowerLeft, MiddleLeft, MiddleRight, UpperLeft]
        };
        legend(&mut chart, free_corner(drawn, &candidates))?;
    }
    Ok(())
}
