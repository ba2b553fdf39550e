//! A sweep's charts: one metric against a grid key, one line per value of
//! the other keys, with 95% confidence intervals.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{
    charts_dir, legend, number_labels, register_font, render, DrawResult, Drawable, Format, FONT,
    PALETTE,
};
use super::ChartError;
use crate::output::sweep::{read_rows, SweepInfo};
use crate::output::FileError;

/// One metric of a sweep against its first numeric grid key.
struct MetricChart<'a> {
    name: &'a str,
    metric: &'a str,
    x_key: &'a str,
    /// Tick labels when the x key is not numeric.
    categories: Option<Vec<String>>,
    lines: Vec<MetricLine>,
}

/// A line of a sweep chart: its label and its points `(x, mean, half-width)`.
type MetricLine = (String, Vec<(f64, f64, f64)>);

impl Drawable for MetricChart<'_> {
    fn file_stem(&self) -> String {
        self.metric.to_string()
    }
    fn size(&self) -> (u32, u32) {
        (1000, 600)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let title = format!("{}: {} against {}", self.name, self.metric, self.x_key);
        let root = root.titled(&title, (FONT, 24))?;
        let all = self.lines.iter().flat_map(|(_, p)| p.iter());
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for &(x, m, h) in all {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(m - h);
            y1 = y1.max(m + h);
        }
        if !x0.is_finite() {
            (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
        }
        let pad_x = ((x1 - x0) * 0.05).max(0.5);
        let pad_y = ((y1 - y0) * 0.08).max(y1.abs() * 0.01).max(1e-9);
        let (mut y_lo, mut y_hi) = (y0 - pad_y, y1 + pad_y);
        if is_share(self.metric) {
            // A share cannot leave [0, 1]; an interval reaching past it is
            // cut at the frame rather than stretching the axis.
            (y_lo, y_hi) = (y_lo.max(0.0), y_hi.min(1.02));
        } else if y0 >= 0.0 {
            y_lo = y_lo.max(0.0);
        }
        // The legend goes where the lines are not: below them if they end high.
        let ends_high = self
            .lines
            .iter()
            .filter_map(|(_, p)| p.last())
            .map(|&(_, m, _)| m)
            .sum::<f64>()
            / self.lines.len().max(1) as f64
            > (y_lo + y_hi) / 2.0;
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d((x0 - pad_x)..(x1 + pad_x), y_lo..y_hi)?;
        let categories = self.categories.clone();
        let x_label = move |x: &f64| match &categories {
            Some(c) if (x - x.round()).abs() < 1e-9 && *x >= 0.0 => {
                c.get(x.round() as usize).cloned().unwrap_or_default()
            }
            Some(_) => String::new(),
            None => format!("{x}"),
        };
        chart
            .configure_mesh()
            .x_desc(self.x_key)
            .y_desc(format!("{} (mean, 95% CI)", metric_label(self.metric)))
            .x_label_formatter(&x_label)
            .y_label_formatter(&number_labels(y_hi - y_lo))
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()?;
        for (i, (label, points)) in self.lines.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|&(x, m, _)| (x, m)),
                    colour.stroke_width(2),
                ))?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(2))
                });
            chart.draw_series(points.iter().map(|&(x, m, h)| {
                ErrorBar::new_vertical(x, m - h, m, m + h, colour.filled().stroke_width(2), 10)
            }))?;
        }
        if self.lines.len() > 1 {
            let corner = if ends_high {
                SeriesLabelPosition::LowerRight
            } else {
                SeriesLabelPosition::UpperRight
            };
            legend(&mut chart, corner)?;
        }
        Ok(())
    }
}

/// Metrics that are shares, in [0, 1].
fn is_share(metric: &str) -> bool {
    metric.ends_with("rate") || metric.starts_with("utilization")
}

fn metric_label(metric: &str) -> String {
    if let Some(base) = metric.strip_suffix("_ms") {
        format!("{base} (ms)")
    } else if let Some(base) = metric.strip_suffix("_s") {
        format!("{base} (s)")
    } else {
        metric.to_string()
    }
}

/// Draws one chart per chosen metric of the sweep in `dir` (its points.csv
/// and sweep.toml) into `dir/charts/`.
pub fn draw(dir: &Path, format: Format) -> Result<Vec<PathBuf>, ChartError> {
    register_font();
    let info = SweepInfo::read(dir)?;
    let file = dir.join("points.csv");
    let (header, rows) = read_rows(&file).map_err(|e| FileError::csv(&file, "read the file", e))?;
    let keys = info.keys.len();
    // The grid keys follow `point`, as the sweep wrote them.
    for (k, key) in info.keys.iter().enumerate() {
        if header.get(1 + k) != Some(key) {
            return Err(ChartError::MissingColumn {
                file,
                column: key.clone(),
            });
        }
    }
    // x: the first grid key whose values are all numbers, else the first key
    // as categories (or the point number when there is no key).
    let numeric = |k: usize| rows.iter().all(|r| r[1 + k].parse::<f64>().is_ok());
    let x_key = (0..keys).find(|&k| numeric(k));
    let x_index = x_key.or((keys > 0).then_some(0));
    let mut categories: Vec<String> = Vec::new();
    if let (None, Some(k)) = (x_key, x_index) {
        for r in &rows {
            if !categories.contains(&r[1 + k]) {
                categories.push(r[1 + k].clone());
            }
        }
    }
    let x_of = |r: &Vec<String>| -> f64 {
        match (x_key, x_index) {
            (Some(k), _) => r[1 + k].parse().unwrap_or(0.0),
            (None, Some(k)) => categories.iter().position(|c| *c == r[1 + k]).unwrap_or(0) as f64,
            (None, None) => r[0].parse().unwrap_or(0.0),
        }
    };
    let x_name = x_index.map_or("point", |k| info.keys[k].as_str());
    let out = charts_dir(dir)?;
    let mut written = Vec::new();
    for metric in &info.metrics {
        let col = |suffix: &str| {
            header
                .iter()
                .position(|h| *h == format!("{metric}{suffix}"))
        };
        let (Some(mean_col), Some(ci_col)) = (col("_mean"), col("_ci95")) else {
            let column = format!(
                "{metric}{}",
                if col("_mean").is_none() {
                    "_mean"
                } else {
                    "_ci95"
                }
            );
            return Err(ChartError::MissingColumn { file, column });
        };
        let mut lines: Vec<MetricLine> = Vec::new();
        for r in &rows {
            let Ok(mean) = r[mean_col].parse::<f64>() else {
                continue;
            };
            let half = r[ci_col].parse::<f64>().unwrap_or(0.0);
            let label = (0..keys)
                .filter(|&k| Some(k) != x_index)
                .map(|k| format!("{}={}", info.keys[k], r[1 + k]))
                .collect::<Vec<_>>()
                .join(", ");
            let label = if label.is_empty() {
                metric_label(metric)
            } else {
                label
            };
            match lines.iter_mut().find(|(l, _)| *l == label) {
                Some((_, points)) => points.push((x_of(r), mean, half)),
                None => lines.push((label, vec![(x_of(r), mean, half)])),
            }
        }
        for (_, points) in &mut lines {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        let chart = MetricChart {
            name: &info.name,
            metric,
            x_key: x_name,
            categories: (x_key.is_none() && x_index.is_some()).then(|| categories.clone()),
            lines,
        };
        written.push(render(&chart, &out, format)?);
    }
    Ok(written)
}
