//! The distribution of task latency, one line per peer group.

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::run::{latency_range, Run};
use super::style::{
    densified, free_corner, legend, log_axis, ms_label, DrawResult, Line, FONT, PALETTE,
};

pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    const BINS: usize = 60;
    let (lo, hi) = latency_range(run);
    let (llo, lhi) = (lo.ln(), hi.ln());
    let bin_of = |x: f64| {
        (((x.ln() - llo) / (lhi - llo)) * BINS as f64).clamp(0.0, BINS as f64 - 1.0) as usize
    };
    let centre = |i: usize| (llo + (i as f64 + 0.5) / BINS as f64 * (lhi - llo)).exp();
    // Groups in the order of peers.csv, as the peers and links charts
    // colour them (so a group has one colour in every chart), each found
    // by name in constant time; a group that completed no task is said in
    // the legend, not left out.
    let mut groups: Vec<(String, Vec<f64>)> = run
        .peers
        .groups
        .iter()
        .map(|g| (g.clone(), vec![0.0; BINS]))
        .collect();
    let mut index: HashMap<&str, usize> = run
        .peers
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.as_str(), i))
        .collect();
    for r in run.latency.iter().filter(|r| r.series == "task") {
        let i = *index.entry(&r.group).or_insert_with(|| {
            groups.push((r.group.clone(), vec![0.0; BINS]));
            groups.len() - 1
        });
        groups[i].1[bin_of((r.lower_ms * r.upper_ms).sqrt())] += r.count as f64;
    }
    for (_, bins) in &mut groups {
        let total: f64 = bins.iter().sum();
        if total > 0.0 {
            bins.iter_mut().for_each(|b| *b *= 100.0 / total);
        }
    }
    let top = groups
        .iter()
        .flat_map(|(_, b)| b.iter().copied())
        .fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(root)
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(log_axis(lo, hi), 0.0..top * 1.1)?;
    chart
        .configure_mesh()
        .x_desc("task latency, creation to successful reply (ms, log scale)")
        .y_desc("share of the group's completed tasks (% per bin)")
        .x_label_formatter(&ms_label)
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    for (i, (group, bins)) in groups.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let none = bins.iter().all(|b| *b == 0.0);
        let points: Vec<(f64, f64)> = if none {
            Vec::new()
        } else {
            bins.iter()
                .enumerate()
                .map(|(b, v)| (centre(b), *v))
                .collect()
        };
        let label = if none {
            format!("{group}: no task completed")
        } else {
            group.clone()
        };
        chart
            .draw_series([Line::new(points, colour.stroke_width(2))])?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(2)));
    }
    use SeriesLabelPosition::*;
    let drawn = groups.iter().flat_map(|(_, bins)| {
        let line: Vec<(f64, f64)> = bins
            .iter()
            .enumerate()
            .map(|(b, v)| ((b as f64 + 0.5) / BINS as f64, v / (top * 1.1)))
            .collect();
        densified(&line)
    });
    let corner = free_corner(drawn, &[UpperRight, UpperLeft, MiddleRight, MiddleLeft]);
    legend(&mut chart, corner)
}
