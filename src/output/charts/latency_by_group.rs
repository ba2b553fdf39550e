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
        spread(
            &mut groups[i].1,
            (llo, lhi),
            (r.lower_ms, r.upper_ms),
            r.count as f64,
        );
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

/// Adds `count` tasks of latencies in `[lower, upper]` (ms) to the
/// log-spaced `bins` over `[e^llo, e^lhi]`, shared by how much of each bin
/// the interval covers (uniform in log). Putting a histogram bucket whole
/// into the bin of its centre made a sawtooth: the buckets' widths are
/// close to the bins', so bins took one or two buckets in turn.
fn spread(bins: &mut [f64], (llo, lhi): (f64, f64), (lower, upper): (f64, f64), count: f64) {
    let n = bins.len() as f64;
    let at = |x: f64| ((x.max(f64::MIN_POSITIVE).ln() - llo) / (lhi - llo) * n).clamp(0.0, n);
    let (a, b) = (at(lower), at(upper));
    if b - a < 1e-12 {
        let i = (a as usize).min(bins.len() - 1);
        bins[i] += count;
        return;
    }
    let first = a.floor() as usize;
    let last = (b.ceil() as usize).min(bins.len());
    for (i, bin) in bins.iter_mut().enumerate().take(last).skip(first) {
        let overlap = b.min(i as f64 + 1.0) - a.max(i as f64);
        if overlap > 0.0 {
            *bin += count * overlap / (b - a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn a_bucket_is_shared_by_the_bins_it_covers() {
        let (llo, lhi) = (0.0, 4.0_f64); // 4 bins of 1 in ln(ms)
        let mut bins = [0.0; 4];
        // ln 1.5 to ln 2.5 in ln(ms): half in bin 1, half in bin 2.
        spread(&mut bins, (llo, lhi), (1.5_f64.exp(), 2.5_f64.exp()), 10.0);
        assert!(
            (bins[1] - 5.0).abs() < 1e-9 && (bins[2] - 5.0).abs() < 1e-9,
            "{bins:?}"
        );
        // A bucket of one value, and one beyond the range, go whole.
        spread(&mut bins, (llo, lhi), (0.5_f64.exp(), 0.5_f64.exp()), 3.0);
        spread(&mut bins, (llo, lhi), (9.0_f64.exp(), 10.0_f64.exp()), 2.0);
        assert_eq!((bins[0], bins[3]), (3.0, 2.0));
        assert!((bins.iter().sum::<f64>() - 15.0).abs() < 1e-9);
    }

    /// Buckets of a width near the bins' (the HDR histogram's), filled
    /// evenly in log: every bin gets the same share, no sawtooth.
    #[test]
    fn even_buckets_make_even_bins() {
        let (llo, lhi) = (0.0, 6.0_f64);
        let mut bins = [0.0; 60];
        let width = 0.137; // ln(ms) per bucket, not a multiple of 0.1
        let mut x: f64 = 0.0;
        while x < 6.0 {
            let upper = (x + width).min(6.0);
            spread(&mut bins, (llo, lhi), (x.exp(), upper.exp()), upper - x);
            x += width;
        }
        for b in bins {
            assert!((b - 0.1).abs() < 1e-9, "{b}");
        }
    }
}
