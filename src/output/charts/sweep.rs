//! A sweep's charts: one metric against a key, one series per value of the
//! other keys, with 95% confidence intervals. Keys zipped with the x key
//! move with it, so they make no series of their own. A point whose mean
//! comes from fewer replications than it ran (a p99 where some runs
//! delivered no frame) says so beside it: `n=2`.
//!
//! Sibling charts of one sweep read alike: the series, their colours and
//! their order in the legend come from the points, not from the metric, so
//! a series keeps its colour in every chart even where it has no value. A
//! numeric x key is a line through its values, ticked at each of them when
//! they are few; a categorical one (a policy) gets one tick per category,
//! dots and no line, since there is nothing between two policies. Series
//! at one x are dodged a few pixels apart so that no error bar hides
//! another. Shares are drawn in percent, as the run charts draw them.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::Ranged;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{
    axis, charts_dir, huge, labels_for, on, register_font, render, svg_string, ticks_of,
    DrawResult, Drawable, Format, Line, Ticked, DEFAULT_LABELS, FONT, PALETTE,
};
use super::ChartError;
use crate::output::sweep::{is_share, read_rows, SweepInfo, SweepInfoError, CONSTANTS};
use crate::output::FileError;

/// What to chart of a sweep, when not what its sweep.toml says.
#[derive(Clone, Debug, Default)]
pub struct Choice {
    /// The metrics, each a chart (default: the sweep's `metrics`).
    pub metrics: Option<Vec<String>>,
    /// The key on the x axis (default: the first numeric key, the zip
    /// counting as one key after the grid's).
    pub x: Option<String>,
}

/// What a metric is called on a chart, with its unit: `deadline_hit_rate`
/// is "frames on time (%)".
pub fn metric_label(metric: &str) -> String {
    let (name, unit) = metric_name(metric);
    format!("{name}{unit}")
}

/// What a metric is called on a chart, and its unit (" (ms)", or nothing).
pub fn metric_name(metric: &str) -> (String, &'static str) {
    let known = match metric {
        "deadline_hit_rate" => "frames on time",
        "good_rate" => "good frames",
        "utilization" => "peer utilisation",
        "peer_availability" => "peer availability",
        "failovers_per_frame" => "failovers per frame",
        "frame_latency_mean_ms" => "mean frame latency",
        "frame_latency_p50_ms" => "median frame latency",
        "frame_latency_p95_ms" => "p95 frame latency",
        "frame_latency_p99_ms" => "p99 frame latency",
        "frame_latency_max_ms" => "longest frame latency",
        "task_latency_mean_ms" => "mean task latency",
        "task_latency_p50_ms" => "median task latency",
        "task_latency_p95_ms" => "p95 task latency",
        "task_latency_p99_ms" => "p99 task latency",
        "task_latency_max_ms" => "longest task latency",
        "frames" => "frames counted",
        "frames_on_time" => "frames on time (count)",
        "frames_late" => "frames late",
        "frames_failed" => "frames failed",
        "frames_dropped" => "frames dropped at their deadline",
        "frames_corrupt" => "corrupt frames",
        "tasks_completed" => "tasks completed",
        "tasks_failed" => "tasks failed",
        "attempts_lost" => "attempts lost with their peer",
        "wasted_ms" => "processing wasted",
        "link_wait_ms_mean" => "mean wait for a link",
        "cost_total" => "cost of the run",
        "cost_per_frame_on_time" => "cost per frame on time",
        "cost_wasted" => "cost wasted",
        "energy_kwh" => "energy drawn",
        "sim_time_s" => "simulated time",
        _ => "",
    };
    let unit = if is_share(metric) {
        " (%)"
    } else if metric == "energy_kwh" {
        " (kWh)"
    } else if metric.ends_with("_ms") || metric.ends_with("_ms_mean") {
        " (ms)"
    } else if metric.ends_with("_s") {
        " (s)"
    } else {
        ""
    };
    let name = if known.is_empty() {
        let base = metric
            .strip_suffix("_ms")
            .or_else(|| metric.strip_suffix("_s"))
            .unwrap_or(metric);
        base.replace('_', " ")
    } else {
        known.to_string()
    };
    (name, unit)
}

/// A point of a sweep chart.
#[derive(Clone, Debug)]
pub struct Point {
    pub x: f64,
    pub mean: f64,
    /// The 95% interval; the mean itself when there is none.
    pub low: f64,
    pub high: f64,
    /// The replications that gave a value, when fewer than the point ran.
    pub fewer: Option<String>,
}

/// The x axis of a sweep chart.
#[derive(Clone, Debug)]
pub struct XAxis {
    /// The key, for the title.
    pub key: String,
    /// The key and the keys zipped with it, for the axis.
    pub desc: String,
    /// Tick labels when the key is not numeric: category `i` is at `x = i`.
    pub categories: Option<Vec<String>>,
    /// Whether the points' `x` is the log10 of the key's value: a key whose
    /// values grow by a factor (10, 20, 40, ... 320 ms) is spread evenly.
    pub log: bool,
}

/// One metric of a sweep against a key, a series per value of the other
/// keys: what a chart of a sweep's points (or of the differences between
/// two sweeps) draws.
pub struct MetricChart {
    pub file_stem: String,
    /// The sweep's name, first in the title.
    pub name: String,
    pub metric: String,
    pub x: XAxis,
    /// Every series of the sweep, in the order of the legend (and of the
    /// palette), each with its points (none where it has no value).
    pub series: Vec<(String, Vec<Point>)>,
    /// What the series' labels are values of (`coordinator.policy`).
    pub series_keys: String,
    /// A difference (B minus A): its axis includes 0, which is marked.
    pub difference: Option<String>,
}

/// The widest the legend's column may be, in pixels.
const LEGEND_MAX: u32 = 420;
/// A character of the legend's text, in pixels, about.
const CHAR_PX: u32 = 8;

/// The width of the legend's column, in pixels: what its longest line
/// needs at its font, within bounds (longer lines are wrapped).
fn legend_width(lines: &[&str]) -> u32 {
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (longest as u32 * CHAR_PX + 60).clamp(150, LEGEND_MAX)
}

/// `text` cut into lines of at most `width` characters, after a space or
/// a comma where there is one (a distribution's table as a grid value is
/// long: `{ dist = "choice", values = [10, 20, 30], weights = [2, 2, 1] }`).
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > width {
        let cut = rest[..width]
            .iter()
            .rposition(|c| *c == ' ' || *c == ',')
            .map_or(width, |i| i + 1);
        lines.push(
            rest[..cut]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_string(),
        );
        rest = rest[cut..].to_vec();
    }
    lines.push(rest.into_iter().collect());
    lines
}

impl MetricChart {
    fn legend_lines(&self) -> Vec<&str> {
        let mut lines: Vec<&str> = vec![self.series_keys.as_str()];
        lines.extend(self.series.iter().map(|(l, _)| l.as_str()));
        lines
    }

    fn has_legend(&self) -> bool {
        self.series.len() > 1
    }

    fn title(&self) -> String {
        let (name, _) = metric_name(&self.metric);
        let what = match &self.difference {
            Some(d) => format!("difference in {name} ({d})"),
            // The column's name too, unless it is the name.
            None if name == self.metric.replace('_', " ") => name,
            None => format!("{name} ({})", self.metric),
        };
        format!("{}: {what} against {}", self.name, self.x.key)
    }
}

/// An interval whose bound is more than this many times the highest mean
/// is cut at the frame.
const CUT_ABOVE: f64 = 3.0;

/// How far apart, in pixels at most, the series at one x are drawn.
const DODGE_PX: f64 = 9.0;

impl Drawable for MetricChart {
    fn file_stem(&self) -> String {
        self.file_stem.clone()
    }
    fn size(&self) -> (u32, u32) {
        let legend = if self.has_legend() {
            legend_width(&self.legend_lines())
        } else {
            0
        };
        (1000 + legend, 600)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let root = root.titled(&self.title(), (FONT, 22))?;
        let (plot, legend_area) = if self.has_legend() {
            let (w, _) = root.dim_in_pixel();
            let split = w.saturating_sub(legend_width(&self.legend_lines()));
            let (a, b) = root.split_horizontally(split);
            (a, Some(b))
        } else {
            (root.clone(), None)
        };
        let share = is_share(&self.metric);
        let scale = if share { 100.0 } else { 1.0 };
        let all = || self.series.iter().flat_map(|(_, p)| p.iter());
        let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
        for p in all() {
            x0 = x0.min(p.x);
            x1 = x1.max(p.x);
        }
        if let Some(c) = &self.x.categories {
            (x0, x1) = (0.0, c.len().saturating_sub(1) as f64);
        }
        if !x0.is_finite() {
            (x0, x1) = (0.0, 1.0);
        }
        let (y_range, clip) = self.y_range(scale);
        let pad_x = if self.x.categories.is_some() {
            0.5
        } else {
            ((x1 - x0) * 0.05).max(x1.abs() * 1e-3).max(1e-9)
        };
        let x_range = axis(x0 - pad_x, x1 + pad_x);
        let (ticks, x_label) = x_ticks(&self.x, &x_range, all().map(|p| p.x));
        // y ticks where plotters puts them, but none past 100% of a share.
        let y_ticks: Vec<f64> = ticks_of(y_range.clone(), DEFAULT_LABELS)
            .into_iter()
            .filter(|t| !share || self.difference.is_some() || (0.0..=100.0).contains(t))
            .collect();
        let y_label = labels_for(&y_ticks, y_range.end - y_range.start);
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(85)
            .build_cartesian_2d(
                Ticked::new(x_range.clone(), ticks),
                Ticked::new(y_range.clone(), y_ticks),
            )?;
        let y_desc = match &self.difference {
            // A difference of shares in percent is in percentage points.
            Some(d) if share => format!(
                "{} (percentage points), {d}, mean and 95% interval",
                metric_name(&self.metric).0
            ),
            Some(d) => format!("{}, {d}, mean and 95% interval", metric_label(&self.metric)),
            None => format!("{}, mean and 95% interval", metric_label(&self.metric)),
        };
        let x_desc = if self.x.log {
            format!("{} (log scale)", self.x.desc)
        } else {
            self.x.desc.clone()
        };
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_label_formatter(&*x_label)
            .y_label_formatter(&y_label)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 17))
            .draw()?;
        if self.difference.is_some() {
            chart.draw_series(DashedLineSeries::new(
                [(x_range.start, 0.0), (x_range.end, 0.0)],
                6,
                4,
                BLACK.mix(0.6).stroke_width(1),
            ))?;
        }
        // Dodging: series side by side at each x, a few pixels apart (at
        // most a fifth of the gap between neighbouring x values).
        let (width_px, _) = chart.plotting_area().dim_in_pixel();
        let px = (x_range.end - x_range.start) / f64::from(width_px.max(1));
        let gap = min_gap(all().map(|p| p.x)).map_or(f64::INFINITY, |g| g / px);
        let lines = self.series.len();
        let step = DODGE_PX.min(gap * 0.6 / lines as f64);
        let dodge = |i: usize| (i as f64 - (lines as f64 - 1.0) / 2.0) * step * px;
        let categorical = self.x.categories.is_some();
        // Labels beside points: `n=K` where a point has fewer values than
        // runs, and the bound of an interval cut at the frame.
        let mut notes: Vec<Note> = Vec::new();
        for (i, (_, points)) in self.series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let shifted: Vec<(f64, f64, f64, f64)> = points
                .iter()
                .filter_map(|p| {
                    let y = |v: f64| on(&y_range, v * scale);
                    Some((
                        on(&x_range, p.x + dodge(i))?,
                        y(p.low)?.max(clip.0),
                        y(p.mean)?,
                        y(p.high)?.min(clip.1),
                    ))
                })
                .collect();
            if !categorical {
                chart.draw_series([Line::new(
                    shifted.iter().map(|&(x, _, m, _)| (x, m)),
                    colour.stroke_width(2),
                )])?;
            }
            // A bar and, at the mean, a dot (of the bar's own).
            let style = colour.filled().stroke_width(2);
            chart.draw_series(shifted.iter().map(|&(x, low, mid, high)| {
                ErrorBar::new_vertical(x, low, mid, high, style, 10)
            }))?;
            for (p, &(x, _, y, high)) in points.iter().zip(&shifted) {
                if let Some(text) = p.fewer.clone() {
                    notes.push(Note {
                        at: (x, y),
                        pixel: chart.backend_coord(&(x, y)),
                        text,
                        line: i,
                    });
                }
                if p.high * scale > clip.1 {
                    // Cut at the frame: an arrow, and where it ends.
                    chart.draw_series([TriangleMarker::new((x, high), 6, colour.filled())])?;
                    let text = format!("to {}", significant(p.high * scale));
                    notes.push(Note {
                        at: (x, high),
                        pixel: chart.backend_coord(&(x, high)),
                        text,
                        line: i,
                    });
                }
            }
        }
        self.draw_notes(&chart, &notes)?;
        if let Some(area) = legend_area {
            self.draw_legend(&area, categorical)?;
        }
        Ok(())
    }
}

impl MetricChart {
    /// The y axis (in the chart's units: percent for a share) and where
    /// intervals are cut, below and above. An interval more than three
    /// times as high as the highest mean (a p99 from two replications) is
    /// cut at the frame, its bound written beside it, so that it does not
    /// flatten every other point against the axis.
    fn y_range(&self, scale: f64) -> (std::ops::Range<f64>, (f64, f64)) {
        let share = is_share(&self.metric);
        let all = || self.series.iter().flat_map(|(_, p)| p.iter());
        let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut top_mean = f64::NEG_INFINITY;
        for p in all() {
            // Bounds from finite numbers only.
            y0 = y0.min(if p.low.is_finite() { p.low } else { p.mean } * scale);
            y1 = y1.max(if p.high.is_finite() { p.high } else { p.mean } * scale);
            top_mean = top_mean.max(p.mean * scale);
        }
        if !y0.is_finite() {
            (y0, y1) = (0.0, scale);
        }
        let mut clip_high = f64::INFINITY;
        if !share && self.difference.is_none() && y0 >= 0.0 && top_mean > 0.0 {
            let frame = top_mean * CUT_ABOVE;
            if y1 > frame {
                // The highest bound that is not cut, or the frame.
                let kept = all()
                    .map(|p| p.high * scale)
                    .filter(|h| h.is_finite() && *h <= frame)
                    .fold(top_mean, f64::max);
                y1 = kept.max(top_mean * 1.3);
                clip_high = y1 * 1.04;
            }
        }
        if self.difference.is_some() {
            (y0, y1) = (y0.min(0.0), y1.max(0.0));
        }
        // A margin of the data's span; a span of nothing (every point
        // alike) gets one of its value. (A floor of 1% of the value made
        // shares near 100% sit in a third of the plot.)
        let pad_y = if y1 > y0 {
            (y1 - y0) * 0.08
        } else {
            (y1.abs() * 0.01).max(1e-9)
        };
        let (mut y_lo, mut y_hi) = (y0 - pad_y, y1 + pad_y);
        if self.difference.is_some() {
            if share {
                (y_lo, y_hi) = (y_lo.max(-102.0), y_hi.min(102.0));
            }
        } else if share {
            // A share cannot leave [0, 100%]: no tick past it, and an
            // interval reaching past it is cut at the frame.
            (y_lo, y_hi) = (y_lo.max(-1.5), y_hi.min(101.5));
        } else if y0 >= 0.0 {
            y_lo = y_lo.max(0.0);
        }
        let range = axis(y_lo, y_hi);
        let clip = (f64::NEG_INFINITY, clip_high.min(f64::MAX));
        (range, clip)
    }

    /// Draws `notes` beside their points, in their series' colours, on
    /// white, each moved up or down as little as it takes not to cover
    /// another, and kept inside the plot.
    fn draw_notes<DB: DrawingBackend, X: Ranged<ValueType = f64>, Y: Ranged<ValueType = f64>>(
        &self,
        chart: &ChartContext<DB, Cartesian2d<X, Y>>,
        notes: &[Note],
    ) -> DrawResult<DB> {
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
        let mut order: Vec<&Note> = notes.iter().collect();
        order.sort_by_key(|n| n.pixel);
        for note in order {
            let (px, py) = note.pixel;
            let width = 8 * note.text.chars().count() as i32 + 4;
            let box_at = |dy: i32| {
                let top = (py - LABEL_HEIGHT / 2 + dy).clamp(ys.start, ys.end - LABEL_HEIGHT);
                let left = if px + 10 + width < xs.end {
                    px + 8
                } else {
                    px - 8 - width
                };
                (left, top, left + width, top + LABEL_HEIGHT)
            };
            let free = |b: &(i32, i32, i32, i32)| {
                placed
                    .iter()
                    .all(|p| b.2 <= p.0 || p.2 <= b.0 || b.3 <= p.1 || p.3 <= b.1)
            };
            let shifts =
                (0..40).map(|k| if k % 2 == 0 { k / 2 } else { -(k + 1) / 2 } * LABEL_HEIGHT);
            let spot = shifts
                .map(box_at)
                .find(|b| free(b))
                .unwrap_or_else(|| box_at(0));
            placed.push(spot);
            let colour = PALETTE[note.line % PALETTE.len()];
            let style = TextStyle::from((FONT, 14).into_font()).color(&colour);
            let (dx, dy) = (spot.0 - px, spot.1 - py);
            let corners = [(dx, dy), (dx + width, dy + LABEL_HEIGHT)];
            chart.plotting_area().draw(
                &(EmptyElement::at(note.at)
                    + Rectangle::new(corners, WHITE.mix(0.9).filled())
                    + Rectangle::new(corners, colour.stroke_width(1))
                    + Text::new(note.text.clone(), (dx + 3, dy + 1), style)),
            )?;
        }
        Ok(())
    }

    /// The legend, in a column of its own right of the plot: what the
    /// series are values of, then each series with its colour, in order.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        categorical: bool,
    ) -> DrawResult<DB> {
        let top = 40;
        let grey = BLACK.mix(0.75);
        let head = TextStyle::from((FONT, 15).into_font())
            .color(&grey)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let (width, _) = area.dim_in_pixel();
        let chars = ((width.saturating_sub(50)) / CHAR_PX).max(10) as usize;
        let mut y = top;
        for line in wrapped(&self.series_keys, chars + 4) {
            area.draw(&Text::new(line, (8, y), head.clone()))?;
            y += 20;
        }
        for (i, (label, points)) in self.series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            y += 4;
            if !categorical {
                area.draw(&PathElement::new(
                    [(10, y), (36, y)],
                    colour.stroke_width(2),
                ))?;
            }
            area.draw(&Circle::new((23, y), 5, colour.filled()))?;
            let text = if points.is_empty() {
                format!("{label} (no value)")
            } else {
                label.clone()
            };
            let style =
                TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
            for line in wrapped(&text, chars) {
                area.draw(&Text::new(line, (44, y), style.clone()))?;
                y += 20;
            }
        }
        Ok(())
    }
}

/// Whether the values of a key grow by factors rather than by steps (10,
/// 20, 40, ... 320), so that a log axis spreads them evenly where a linear
/// one crowds the small ones: all above 0, at least three, spanning a
/// factor of 10 or more, and their gaps more even on a log scale than on
/// a linear one (by the coefficient of variation of the gaps).
fn spread_by_factors(values: &[f64]) -> bool {
    let mut xs: Vec<f64> = values.to_vec();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    if xs.len() < 3 || xs[0] <= 0.0 || xs[xs.len() - 1] / xs[0] < 10.0 {
        return false;
    }
    let variation = |gaps: Vec<f64>| {
        let n = gaps.len() as f64;
        let mean = gaps.iter().sum::<f64>() / n;
        (gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / n).sqrt() / mean
    };
    let linear = variation(xs.windows(2).map(|w| w[1] - w[0]).collect());
    let log = variation(xs.windows(2).map(|w| (w[1] / w[0]).ln()).collect());
    log < linear
}

/// `x` to four significant digits, as a plain number: 1882, 0.01234.
fn significant(x: f64) -> String {
    let rounded: f64 = format!("{x:.3e}").parse().unwrap_or(x);
    huge(rounded).unwrap_or_else(|| format!("{rounded}"))
}

/// The smallest gap between distinct values of `xs`, if there are two.
fn min_gap(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let mut xs: Vec<f64> = xs.filter(|x| x.is_finite()).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    xs.windows(2)
        .map(|w| w[1] - w[0])
        .filter(|g| *g > 0.0)
        .min_by(f64::total_cmp)
}

/// A formatter of tick labels.
type Labels = Box<dyn Fn(&f64) -> String>;

/// Most x values ticked one by one; more get evenly spaced round ticks.
const MAX_VALUE_TICKS: usize = 12;

/// The ticks of the x axis and their labels: one per category, one per
/// value of a numeric key when they are few (each labelled as it is), else
/// round numbers.
fn x_ticks(
    x: &XAxis,
    range: &std::ops::Range<f64>,
    values: impl Iterator<Item = f64>,
) -> (Vec<f64>, Labels) {
    if let Some(c) = &x.categories {
        let c = c.clone();
        let ticks = (0..c.len()).map(|i| i as f64).collect();
        let label = move |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                c.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        return (ticks, Box::new(label));
    }
    let distinct: BTreeSet<u64> = values
        .filter(|v| v.is_finite())
        .map(|v| (v + 0.0).to_bits())
        .collect();
    let mut xs: Vec<f64> = distinct.into_iter().map(f64::from_bits).collect();
    xs.sort_by(f64::total_cmp);
    if x.log {
        // The key's values, 10^x, as they are written.
        let label = |x: &f64| {
            let v: f64 = format!("{:.11e}", 10f64.powf(*x))
                .parse()
                .unwrap_or(f64::NAN);
            huge(v).unwrap_or_else(|| format!("{v}"))
        };
        let ticks = if xs.len() <= MAX_VALUE_TICKS {
            xs
        } else {
            let (from, to) = (range.start.floor() as i32, range.end.ceil() as i32);
            (from..=to)
                .flat_map(|d| [1.0f64, 2.0, 5.0].map(|m| f64::from(d) + m.log10()))
                .filter(|t| range.contains(t))
                .collect()
        };
        return (ticks, Box::new(label));
    }
    if !xs.is_empty() && xs.len() <= MAX_VALUE_TICKS {
        let label = |x: &f64| huge(*x).unwrap_or_else(|| format!("{x}"));
        return (xs, Box::new(label));
    }
    let ticks = ticks_of(range.clone(), DEFAULT_LABELS);
    let span = range.end - range.start;
    (ticks.clone(), Box::new(labels_for(&ticks, span)))
}

/// The height of a label `n=K`, in pixels.
const LABEL_HEIGHT: i32 = 15;

/// A label beside a point: `n=K`, or where a cut interval ends.
struct Note {
    /// The point, in the chart's coordinates and in pixels.
    at: (f64, f64),
    pixel: (i32, i32),
    text: String,
    /// The series' index, for its colour.
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

/// A table of points (points.csv, or differences between two sweeps):
/// the header, the rows, and the keys the columns after `point` hold.
pub struct Points<'a> {
    pub file: &'a Path,
    pub name: &'a str,
    pub header: &'a [String],
    pub rows: &'a [Vec<String>],
    /// The keys (grid, then zip), the columns after `point`.
    pub keys: &'a [String],
    pub zip: &'a [String],
    /// Replications a point ran, where the table has no `runs` column.
    pub replications: u32,
}

/// The charts of `metrics` of the table `t`, against `x_key` (or the first
/// numeric key); `difference` names what a table of differences is the
/// difference of (`B minus A`).
pub fn metric_charts(
    t: &Points,
    metrics: &[String],
    x_key: Option<&str>,
    difference: Option<&str>,
) -> Result<Vec<MetricChart>, ChartError> {
    let keys = t.keys.len();
    let file = t.file.to_path_buf();
    // The keys follow `point`, as the sweep wrote them (and every row
    // has the header's columns, or reading would have failed).
    for (k, key) in t.keys.iter().enumerate() {
        if t.header.get(1 + k) != Some(key) {
            return Err(ChartError::MissingColumn {
                file,
                column: key.clone(),
            });
        }
    }
    let rows = t.rows;
    // The zip is one dimension, after the grid's, named by its first key:
    // the candidates for x are the grid keys, then the zip's first key.
    let zipped = |k: usize| t.zip.contains(&t.keys[k]);
    let first_zipped = (0..keys).find(|&k| zipped(k));
    let candidates: Vec<usize> = (0..keys)
        .filter(|&k| !zipped(k) || Some(k) == first_zipped)
        .collect();
    let number = |text: &str| text.parse::<f64>().ok().filter(|x| x.is_finite());
    let numeric = |k: usize| rows.iter().all(|r| number(&r[1 + k]).is_some());
    // x: the key asked for, or the first candidate whose values are all
    // finite numbers, else the first candidate as categories (or the point
    // number when there is no key).
    let x_index = match x_key {
        Some(name) => match t.keys.iter().position(|k| k == name) {
            Some(k) => Some(k),
            None => {
                return Err(ChartError::Choice(format!(
                    "--x {name}: not a key of the sweep in {}; its keys are {}",
                    t.file.parent().unwrap_or(t.file).display(),
                    if t.keys.is_empty() {
                        "none (it has no grid)".to_string()
                    } else {
                        t.keys.join(", ")
                    }
                )))
            }
        },
        None => candidates
            .iter()
            .copied()
            .find(|&k| numeric(k))
            .or(candidates.first().copied()),
    };
    let numeric_x = x_index.filter(|&k| numeric(k));
    // Categories in order of first appearance, each found in constant time.
    let mut categories: Vec<String> = Vec::new();
    let mut category: HashMap<&str, usize> = HashMap::new();
    let category_column = match (numeric_x, x_index) {
        (None, Some(k)) => Some(1 + k),
        (None, None) => Some(0),
        _ => None,
    };
    if let Some(c) = category_column {
        for r in rows {
            category.entry(&r[c]).or_insert_with(|| {
                categories.push(r[c].clone());
                categories.len() - 1
            });
        }
    }
    let log = numeric_x.is_some_and(|k| {
        let values: Vec<f64> = rows.iter().filter_map(|r| number(&r[1 + k])).collect();
        spread_by_factors(&values)
    });
    let x_of = |r: &Vec<String>| -> Option<f64> {
        match (numeric_x, category_column) {
            (Some(k), _) if log => number(&r[1 + k]).map(f64::log10),
            (Some(k), _) => number(&r[1 + k]),
            (None, Some(c)) => category.get(r[c].as_str()).map(|&i| i as f64),
            (None, None) => None,
        }
    };
    let x_name = x_index.map_or("point", |k| t.keys[k].as_str());
    // Keys that move with x: x, and the zip's keys if x is one of them.
    let tied = |k: usize| Some(k) == x_index || x_index.is_some_and(|x| zipped(x) && zipped(k));
    let with: Vec<&str> = (0..keys)
        .filter(|&k| tied(k) && Some(k) != x_index)
        .map(|k| t.keys[k].as_str())
        .collect();
    let x_desc = if with.is_empty() {
        x_name.to_string()
    } else {
        format!("{x_name} (zipped with {})", with.join(", "))
    };
    // The series: one per combination of the other keys' values, in the
    // order the points first have them, whatever the metric.
    let series_keys: Vec<usize> = (0..keys).filter(|&k| !tied(k)).collect();
    let mut series: Vec<String> = Vec::new();
    let mut series_at: HashMap<Vec<&str>, usize> = HashMap::new();
    let series_of: Vec<usize> = rows
        .iter()
        .map(|r| {
            let values: Vec<&str> = series_keys.iter().map(|&k| r[1 + k].as_str()).collect();
            *series_at.entry(values.clone()).or_insert_with(|| {
                series.push(values.join(", "));
                series.len() - 1
            })
        })
        .collect();
    let series_names = series_keys
        .iter()
        .map(|&k| t.keys[k].as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let runs_col = t.header.iter().position(|h| h == "runs");
    let x_axis = XAxis {
        key: x_name.to_string(),
        desc: x_desc,
        categories: category_column.map(|_| categories.clone()),
        log,
    };
    let mut charts = Vec::new();
    for metric in metrics {
        let col = |suffix: &str| {
            t.header
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
        let mut lines: Vec<(String, Vec<Point>)> =
            series.iter().map(|s| (s.clone(), Vec::new())).collect();
        for (r, &s) in rows.iter().zip(&series_of) {
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
                .unwrap_or(u64::from(t.replications));
            let fewer = n_col
                .and_then(|c| r[c].parse::<u64>().ok())
                .filter(|n| *n < runs)
                .map(|n| format!("n={n}"));
            lines[s].1.push(Point {
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
        if series_keys.is_empty() {
            lines[..]
                .iter_mut()
                .for_each(|l| l.0 = metric_label(metric));
        }
        charts.push(MetricChart {
            file_stem: metric.clone(),
            name: t.name.to_string(),
            metric: metric.clone(),
            x: x_axis.clone(),
            series: lines,
            series_keys: series_names.clone(),
            difference: difference.map(str::to_string),
        });
    }
    Ok(charts)
}

/// The charts of the sweep in `dir` (its points.csv and sweep.toml), as
/// `choice` asks; every chart made before any is drawn, so a folder that
/// cannot be charted gets none.
fn sweep_charts(dir: &Path, choice: &Choice) -> Result<Vec<MetricChart>, ChartError> {
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
    let metrics = match &choice.metrics {
        Some(m) => {
            for metric in m {
                let known = header.iter().any(|h| *h == format!("{metric}_mean"))
                    || (CONSTANTS.contains(&metric.as_str()) && header.contains(metric));
                if !known || !names_a_file(metric) {
                    return Err(ChartError::Choice(format!(
                        "--metrics {metric}: {} has no column {metric}_mean (its metrics: {})",
                        file.display(),
                        header
                            .iter()
                            .filter_map(|h| h.strip_suffix("_mean"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
            m.clone()
        }
        None => info.metrics.clone(),
    };
    let points = Points {
        file: &file,
        name: &info.name,
        header: &header,
        rows: &rows,
        keys: &info.keys,
        zip: &info.zip,
        replications: info.replications,
    };
    metric_charts(&points, &metrics, choice.x.as_deref(), None)
}

/// Draws one chart per chosen metric of the sweep in `dir` (its points.csv
/// and sweep.toml) into `dir/charts/`. Returns the files written.
pub fn draw(dir: &Path, format: Format, choice: &Choice) -> Result<Vec<PathBuf>, ChartError> {
    let charts = sweep_charts(dir, choice)?;
    let out = charts_dir(dir)?;
    charts
        .iter()
        .map(|chart| render(chart, &out, format))
        .collect()
}

/// The charts of the sweep in `dir` as SVG text, in memory: (file stem, SVG).
pub fn svgs(dir: &Path) -> Result<Vec<(String, String)>, ChartError> {
    sweep_charts(dir, &Choice::default())?
        .iter()
        .map(|chart| {
            let svg = svg_string(chart).map_err(|message| ChartError::Draw {
                chart: dir.join("charts").join(format!("{}.svg", chart.file_stem)),
                message,
            })?;
            Ok((chart.file_stem.clone(), svg))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_have_human_labels_with_units() {
        assert_eq!(metric_label("deadline_hit_rate"), "frames on time (%)");
        assert_eq!(
            metric_label("frame_latency_p99_ms"),
            "p99 frame latency (ms)"
        );
        assert_eq!(metric_label("utilization"), "peer utilisation (%)");
        assert_eq!(metric_label("some_new_ms"), "some new (ms)");
        assert_eq!(metric_label("timeouts"), "timeouts");
    }

    #[test]
    fn keys_that_grow_by_factors_get_a_log_axis() {
        assert!(spread_by_factors(&[10.0, 20.0, 40.0, 80.0, 160.0, 320.0]));
        assert!(spread_by_factors(&[1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0]));
        assert!(
            !spread_by_factors(&[16.0, 20.0, 25.0, 30.0, 40.0, 60.0]),
            "a factor under 10"
        );
        assert!(!spread_by_factors(&[10.0, 100.0]), "two values");
        assert!(!spread_by_factors(&[0.0, 10.0, 100.0]), "0 has no log");
        let steps: Vec<f64> = (1..=20).map(|i| f64::from(i) * 10.0).collect();
        assert!(!spread_by_factors(&steps), "even steps");
    }

    #[test]
    fn long_legend_labels_are_wrapped_at_spaces_and_commas() {
        let lines = wrapped(
            "{ dist = \"choice\", values = [10, 20, 30], weights = [2, 2, 1] }",
            30,
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        assert_eq!(
            lines.concat().replace(' ', ""),
            "{dist=\"choice\",values=[10,20,30],weights=[2,2,1]}"
        );
        assert_eq!(wrapped("short", 30), ["short"]);
    }

    #[test]
    fn the_smallest_gap_is_between_distinct_values() {
        assert_eq!(min_gap([3.0, 1.0, 1.0, 2.5].into_iter()), Some(0.5));
        assert_eq!(min_gap([1.0, 1.0].into_iter()), None);
    }
}
