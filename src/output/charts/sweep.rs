//! A sweep's charts: one metric against a key, one line per value of the
//! other keys, with 95% confidence intervals. Keys zipped with the x key
//! move with it, so they make no lines of their own. A point whose mean
//! comes from fewer replications than it ran (a p99 where some runs
//! delivered no frame) says so beside it: `n=2`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::{
    at, axis, charts_dir, huge, legend, number_labels, on, register_font, render, DrawResult,
    Drawable, Format, FONT, PALETTE,
};
use super::ChartError;
use crate::output::sweep::{is_share, read_rows, SweepInfo, SweepInfoError, CONSTANTS};
use crate::output::FileError;

/// One metric of a sweep against its first numeric key.
struct MetricChart<'a> {
    name: &'a str,
    metric: &'a str,
    x_key: &'a str,
    /// The x axis's description: the x key, and the keys zipped with it.
    x_desc: &'a str,
    /// Tick labels when the x key is not numeric.
    categories: Option<&'a [String]>,
    lines: Vec<MetricLine>,
}

/// A point of a sweep chart.
#[derive(Clone, Debug)]
struct Point {
    x: f64,
    mean: f64,
    /// The 95% interval; the mean itself when there is none.
    low: f64,
    high: f64,
    /// The replications that gave a value, when fewer than the point ran.
    fewer: Option<String>,
}

/// A line of a sweep chart: its label and its points.
type MetricLine = (String, Vec<Point>);

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
        for p in all {
            x0 = x0.min(p.x);
            x1 = x1.max(p.x);
            // Bounds from finite numbers only.
            y0 = y0.min(if p.low.is_finite() { p.low } else { p.mean });
            y1 = y1.max(if p.high.is_finite() { p.high } else { p.mean });
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
        let x_range = axis(x0 - pad_x, x1 + pad_x);
        let y_range = axis(y_lo, y_hi);
        let (y_lo, y_hi) = (y_range.start, y_range.end);
        // The legend goes where the lines are not: below them if they end high.
        let ends_high = self
            .lines
            .iter()
            .filter_map(|(_, p)| p.last())
            .map(|p| p.mean)
            .sum::<f64>()
            / self.lines.len().max(1) as f64
            > (y_lo + y_hi) / 2.0;
        let mut chart = ChartBuilder::on(&root)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x_range.clone(), y_range.clone())?;
        let categories = self.categories;
        let x_label = move |x: &f64| match categories {
            Some(c) if (x - x.round()).abs() < 1e-9 && *x >= 0.0 => {
                c.get(x.round() as usize).cloned().unwrap_or_default()
            }
            Some(_) => String::new(),
            None => huge(*x).unwrap_or_else(|| format!("{x}")),
        };
        chart
            .configure_mesh()
            .x_desc(self.x_desc)
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
                    points
                        .iter()
                        .filter_map(|p| at(&x_range, &y_range, (p.x, p.mean))),
                    colour.stroke_width(2),
                ))?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(2))
                });
            let style = colour.filled().stroke_width(2);
            chart.draw_series(points.iter().filter_map(|p| {
                let y = |v| on(&y_range, v);
                let (x, low, mid, high) = (on(&x_range, p.x)?, y(p.low)?, y(p.mean)?, y(p.high)?);
                Some(ErrorBar::new_vertical(x, low, mid, high, style, 10))
            }))?;
        }
        // The number of values, right of each point that has fewer than
        // its runs, in its line's colour; labels at one x are moved apart
        // so that none hides another.
        let mut notes: Vec<Note> = Vec::new();
        for (line, (_, points)) in self.lines.iter().enumerate() {
            for p in points {
                let (Some(text), Some(x), Some(y)) =
                    (p.fewer.as_deref(), on(&x_range, p.x), on(&y_range, p.mean))
                else {
                    continue;
                };
                let pixel = chart.backend_coord(&(x, y));
                notes.push(Note {
                    at: (x, y),
                    pixel,
                    text,
                    line,
                });
            }
        }
        notes.sort_by_key(|n| n.pixel);
        let mut last: Option<(i32, i32)> = None;
        for note in &notes {
            let (px, py) = note.pixel;
            let mut y = py - 7;
            if let Some((last_x, last_y)) = last {
                if last_x == px && y < last_y + LABEL_HEIGHT {
                    y = last_y + LABEL_HEIGHT;
                }
            }
            last = Some((px, y));
            let colour = PALETTE[note.line % PALETTE.len()];
            let style = TextStyle::from((FONT, 14).into_font()).color(&colour);
            // On a white label, so that no line crosses the text.
            let (dx, dy) = (10, y - py);
            let width = 8 * note.text.chars().count() as i32;
            let corners = [(dx - 2, dy - 1), (dx + width, dy + LABEL_HEIGHT - 1)];
            chart.plotting_area().draw(
                &(EmptyElement::at(note.at)
                    + Rectangle::new(corners, WHITE.mix(0.9).filled())
                    + Rectangle::new(corners, colour.stroke_width(1))
                    + Text::new(note.text.to_string(), (dx, dy), style)),
            )?;
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

fn metric_label(metric: &str) -> String {
    if let Some(base) = metric.strip_suffix("_ms") {
        format!("{base} (ms)")
    } else if let Some(base) = metric.strip_suffix("_s") {
        format!("{base} (s)")
    } else {
        metric.to_string()
    }
}

/// The height of a label `n=K`, in pixels.
const LABEL_HEIGHT: i32 = 15;

/// A label `n=K` beside a point.
struct Note<'a> {
    /// The point, in the chart's coordinates and in pixels.
    at: (f64, f64),
    pixel: (i32, i32),
    text: &'a str,
    /// The line's index, for its colour.
    line: usize,
}

/// Where a metric's interval is in points.csv.
#[derive(Clone, Copy)]
enum Interval {
    /// Its bounds' columns.
    Bounds(usize, usize),
    /// A half-width's column.
    HalfWidth(usize),
    /// None: a constant.
    None,
}

/// Whether `metric` can name a chart file in `charts/`: letters, digits,
/// `_`, `-` and `.`, not first (as every metric p2c2g writes is). A crafted
/// sweep.toml could otherwise write outside the folder.
fn names_a_file(metric: &str) -> bool {
    !metric.is_empty()
        && !metric.starts_with('.')
        && metric
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Draws one chart per chosen metric of the sweep in `dir` (its points.csv
/// and sweep.toml) into `dir/charts/`. Every chart is made before any is
/// drawn, so a folder that cannot be charted gets none.
pub fn draw(dir: &Path, format: Format) -> Result<Vec<PathBuf>, ChartError> {
    register_font();
    let info = SweepInfo::read(dir)?;
    if let Some(metric) = info.metrics.iter().find(|m| !names_a_file(m)) {
        return Err(SweepInfoError::Invalid {
            file: dir.join("sweep.toml"),
            line_col: None,
            message: format!("the metric `{metric}` cannot name a chart file"),
        }
        .into());
    }
    let file = dir.join("points.csv");
    let (header, rows) = read_rows(&file).map_err(|e| FileError::csv(&file, "read the file", e))?;
    let keys = info.keys.len();
    // The keys follow `point`, as the sweep wrote them (and every row
    // has the header's columns, or reading would have failed).
    for (k, key) in info.keys.iter().enumerate() {
        if header.get(1 + k) != Some(key) {
            return Err(ChartError::MissingColumn {
                file,
                column: key.clone(),
            });
        }
    }
    // The zip is one dimension, after the grid's, named by its first key:
    // the candidates for x are the grid keys, then the zip's first key.
    let zipped = |k: usize| info.zip.contains(&info.keys[k]);
    let first_zipped = (0..keys).find(|&k| zipped(k));
    let candidates: Vec<usize> = (0..keys)
        .filter(|&k| !zipped(k) || Some(k) == first_zipped)
        .collect();
    // x: the first candidate whose values are all finite numbers, else the
    // first candidate as categories (or the point number when there is no
    // key). With no grid key, x is the zip's first key.
    let number = |text: &str| text.parse::<f64>().ok().filter(|x| x.is_finite());
    let numeric = |k: usize| rows.iter().all(|r| number(&r[1 + k]).is_some());
    let x_key = candidates.iter().copied().find(|&k| numeric(k));
    let x_index = x_key.or(candidates.first().copied());
    // Categories in order of first appearance, each found in constant time.
    let mut categories: Vec<String> = Vec::new();
    let mut category: HashMap<&str, usize> = HashMap::new();
    if let (None, Some(k)) = (x_key, x_index) {
        for r in &rows {
            category.entry(&r[1 + k]).or_insert_with(|| {
                categories.push(r[1 + k].clone());
                categories.len() - 1
            });
        }
    }
    let x_of = |r: &Vec<String>| -> Option<f64> {
        match (x_key, x_index) {
            (Some(k), _) => number(&r[1 + k]),
            (None, Some(k)) => Some(category.get(r[1 + k].as_str()).copied().unwrap_or(0) as f64),
            (None, None) => number(&r[0]),
        }
    };
    let x_name = x_index.map_or("point", |k| info.keys[k].as_str());
    // Keys that move with x: x, and the zip's keys if x is one of them.
    let tied = |k: usize| Some(k) == x_index || x_index.is_some_and(|x| zipped(x) && zipped(k));
    let with: Vec<&str> = (0..keys)
        .filter(|&k| tied(k) && Some(k) != x_index)
        .map(|k| info.keys[k].as_str())
        .collect();
    let x_desc = if with.is_empty() {
        x_name.to_string()
    } else {
        format!("{x_name} (zipped with {})", with.join(", "))
    };
    let mut charts = Vec::new();
    for metric in &info.metrics {
        let col = |suffix: &str| {
            header
                .iter()
                .position(|h| *h == format!("{metric}{suffix}"))
        };
        // The interval as points.csv writes it, or as a half-width (the
        // files of earlier versions); a constant is its own column.
        let interval = match (col("_ci95_low"), col("_ci95_high"), col("_ci95")) {
            (Some(low), Some(high), _) => Interval::Bounds(low, high),
            (_, _, Some(half)) => Interval::HalfWidth(half),
            _ => Interval::None,
        };
        let Some(mean_col) =
            col("_mean").or_else(|| col("").filter(|_| CONSTANTS.contains(&metric.as_str())))
        else {
            let column = format!("{metric}_mean");
            return Err(ChartError::MissingColumn { file, column });
        };
        if mean_col != col("").unwrap_or(usize::MAX) && matches!(interval, Interval::None) {
            let column = format!("{metric}_ci95_low");
            return Err(ChartError::MissingColumn { file, column });
        }
        let n_col = col("_n");
        let runs_col = header.iter().position(|h| h == "runs");
        let mut lines: Vec<MetricLine> = Vec::new();
        let mut line: HashMap<String, usize> = HashMap::new();
        for r in &rows {
            // A point is drawn from finite numbers only.
            let (Some(x), Some(mean)) = (x_of(r), number(&r[mean_col])) else {
                continue;
            };
            let (low, high) = match interval {
                Interval::Bounds(l, h) => (
                    number(&r[l]).unwrap_or(mean).min(mean),
                    number(&r[h]).unwrap_or(mean).max(mean),
                ),
                Interval::HalfWidth(c) => {
                    let half = number(&r[c]).unwrap_or(0.0);
                    (mean - half, mean + half)
                }
                Interval::None => (mean, mean),
            };
            let runs = runs_col
                .and_then(|c| r[c].parse::<u64>().ok())
                .unwrap_or(u64::from(info.replications));
            let fewer = n_col
                .and_then(|c| r[c].parse::<u64>().ok())
                .filter(|n| *n < runs)
                .map(|n| format!("n={n}"));
            let label = (0..keys)
                .filter(|&k| !tied(k))
                .map(|k| format!("{}={}", info.keys[k], r[1 + k]))
                .collect::<Vec<_>>()
                .join(", ");
            let label = if label.is_empty() {
                metric_label(metric)
            } else {
                label
            };
            let i = *line.entry(label).or_insert_with_key(|label| {
                lines.push((label.clone(), Vec::new()));
                lines.len() - 1
            });
            lines[i].1.push(Point {
                x,
                mean,
                low,
                high,
                fewer,
            });
        }
        for (_, points) in &mut lines {
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
        }
        charts.push(MetricChart {
            name: &info.name,
            metric,
            x_key: x_name,
            x_desc: &x_desc,
            categories: (x_key.is_none() && x_index.is_some()).then_some(categories.as_slice()),
            lines,
        });
    }
    let out = charts_dir(dir)?;
    charts
        .iter()
        .map(|chart| render(chart, &out, format))
        .collect()
}
