//! Charts of a run, drawn from its CSV files alone (so `p2c2g plot DIR`
//! redraws them without running anything). Long series are thinned to a
//! bounded number of points, so drawing costs the same for any run length.
//!
//! Text: SVG files name the `sans-serif` family and need no font to be
//! written; PNG files are rasterised with DejaVu Sans, compiled into the
//! binary (pure-Rust `ab_glyph`), so they look the same on any machine.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::combinators::{BindKeyPoints, LogCoord, WithKeyPoints};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Deserialize;

use super::sweep::{read_rows, SweepInfo, SweepInfoError};
use super::FileError;

/// Most points drawn for one series; longer series are thinned.
const MAX_POINTS: usize = 1500;
/// Most peers drawn in a scatter; more are sampled evenly by id.
const MAX_PEERS: usize = 3000;
const FONT: &str = "sans-serif";

/// Distinct colours for groups and series (Tableau 10).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Chart file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Scalable vector graphics: sharp at any size, text stays text.
    Svg,
    /// 1000-pixel-wide raster images.
    Png,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

/// Why charts could not be drawn: each names the file.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// A CSV file that cannot be read, or a chart or folder that cannot be
    /// written.
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Info(#[from] SweepInfoError),
    #[error("{} has no rows", file.display())]
    Empty { file: PathBuf },
    #[error("{}: no column `{column}`", file.display())]
    MissingColumn { file: PathBuf, column: String },
    /// plotters' reason, which is only text.
    #[error("{}: cannot draw the chart: {message}", chart.display())]
    Draw { chart: PathBuf, message: String },
}

/// The charts of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    LatencyCdf,
    LatencyByGroup,
    TimeSeries,
    Peers,
    Attempts,
}

impl Chart {
    pub const ALL: [Chart; 5] = [
        Chart::LatencyCdf,
        Chart::LatencyByGroup,
        Chart::TimeSeries,
        Chart::Peers,
        Chart::Attempts,
    ];

    pub fn file_stem(self) -> &'static str {
        match self {
            Chart::LatencyCdf => "latency_cdf",
            Chart::LatencyByGroup => "latency_by_group",
            Chart::TimeSeries => "timeseries",
            Chart::Peers => "peers",
            Chart::Attempts => "attempts",
        }
    }

    /// Width and height in pixels.
    pub fn size(self) -> (u32, u32) {
        match self {
            Chart::TimeSeries => (1000, 860),
            Chart::Peers => (1100, 520),
            _ => (1000, 600),
        }
    }

    /// The title, after the scenario name.
    pub fn title(self) -> &'static str {
        match self {
            Chart::LatencyCdf => "latency distribution (CDF)",
            Chart::LatencyByGroup => "task latency by peer group",
            Chart::TimeSeries => "queue, busy slots and on-time rate over time",
            Chart::Peers => "peers: utilisation and reputation against true reliability",
            Chart::Attempts => "attempts, failovers and timeouts over time",
        }
    }

    fn draw<DB: DrawingBackend>(self, root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let title = format!("{}: {}", run.summary.scenario, self.title());
        let root = root.titled(&title, (FONT, 24))?;
        match self {
            Chart::LatencyCdf => latency_cdf(&root, run),
            Chart::LatencyByGroup => latency_by_group(&root, run),
            Chart::TimeSeries => time_series(&root, run),
            Chart::Peers => peers(&root, run),
            Chart::Attempts => attempts(&root, run),
        }
    }
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

#[derive(Deserialize)]
struct SummaryRow {
    scenario: String,
    frame_latency_p50_ms: Option<f64>,
    frame_latency_p95_ms: Option<f64>,
    frame_latency_p99_ms: Option<f64>,
    slots: u64,
    deadline_mean_ms: f64,
    deadline_constant: bool,
    warmup_s: f64,
    duration_s: f64,
}

#[derive(Deserialize)]
struct LatencyRow {
    series: String,
    group: String,
    upper_ms: f64,
    lower_ms: f64,
    count: u64,
}

/// A row of timeseries.csv: levels averaged over the interval that ends
/// at `t_ms`, flows counted within it.
#[derive(Deserialize, Clone)]
struct SampleRow {
    t_ms: f64,
    waiting_coordinator: f64,
    waiting_peers: f64,
    running: f64,
    frames_delivered: u64,
    frames_on_time: u64,
    attempts: u64,
    failovers: u64,
    timeouts: u64,
}

#[derive(Deserialize)]
struct PeerRow {
    peer: u32,
    group: String,
    reliability: f64,
    utilization: f64,
    reputation: f64,
}

/// What the charts are drawn from: the CSV files of one run.
struct Run {
    summary: SummaryRow,
    latency: Vec<LatencyRow>,
    samples: Vec<SampleRow>,
    peers: Vec<PeerRow>,
}

fn read<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> Result<Vec<T>, ChartError> {
    let file = dir.join(name);
    let rows = csv::Reader::from_path(&file)
        .and_then(|mut r| r.deserialize().collect::<Result<Vec<T>, _>>())
        .map_err(|e| FileError::csv(&file, "read the file", e))?;
    Ok(rows)
}

impl Run {
    fn load(dir: &Path) -> Result<Run, ChartError> {
        let summary = read::<SummaryRow>(dir, "summary.csv")?
            .into_iter()
            .next()
            .ok_or_else(|| ChartError::Empty {
                file: dir.join("summary.csv"),
            })?;
        Ok(Run {
            summary,
            latency: read(dir, "latency_hist.csv")?,
            samples: read(dir, "timeseries.csv")?,
            peers: read(dir, "peers.csv")?,
        })
    }
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The bytes are a valid TrueType font, checked by the tests.
            let _ = plotters::style::register_font(FONT, style, bytes);
        }
    });
}

/// Removes the chart files of an earlier run, so that none is left stale
/// beside new CSV files.
pub fn clear(dir: &Path) -> Result<(), FileError> {
    for chart in Chart::ALL {
        for format in [Format::Svg, Format::Png] {
            let file =
                dir.join("charts")
                    .join(format!("{}.{}", chart.file_stem(), format.extension()));
            match fs::remove_file(&file) {
                // No chart, or no charts folder (a file in its place is
                // reported when charts are drawn).
                Err(e)
                    if !matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                    ) =>
                {
                    return Err(FileError::new(file, "remove the old chart", e))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Something drawn into one chart file.
trait Drawable {
    fn file_stem(&self) -> String;
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

struct RunChart<'a> {
    chart: Chart,
    run: &'a Run,
}

impl Drawable for RunChart<'_> {
    fn file_stem(&self) -> String {
        self.chart.file_stem().to_string()
    }
    fn size(&self) -> (u32, u32) {
        self.chart.size()
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        self.chart.draw(root, self.run)
    }
}

/// Draws every chart of the run in `dir` into `dir/charts/`, each written
/// whole or not at all. Returns the files written.
pub fn draw_run(dir: &Path, format: Format) -> Result<Vec<PathBuf>, ChartError> {
    register_font();
    let run = Run::load(dir)?;
    let out = charts_dir(dir)?;
    Chart::ALL
        .iter()
        .map(|&chart| render(&RunChart { chart, run: &run }, &out, format))
        .collect()
}

fn charts_dir(dir: &Path) -> Result<PathBuf, ChartError> {
    let out = dir.join("charts");
    fs::create_dir_all(&out).map_err(FileError::at(&out, "create the folder"))?;
    Ok(out)
}

fn render(chart: &impl Drawable, out: &Path, format: Format) -> Result<PathBuf, ChartError> {
    let stem = chart.file_stem();
    let file = out.join(format!("{stem}.{}", format.extension()));
    let partial = out.join(format!(".{stem}.partial.{}", format.extension()));
    let fail = |message: String| ChartError::Draw {
        chart: file.clone(),
        message,
    };
    match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, chart.size()).into_drawing_area();
                chart.draw(&root).map_err(|e| fail(e.to_string()))?;
                root.present().map_err(|e| fail(e.to_string()))?;
            }
            fs::write(&partial, svg).map_err(FileError::at(&partial, "write the file"))?;
        }
        Format::Png => {
            let root = BitMapBackend::new(&partial, chart.size()).into_drawing_area();
            chart.draw(&root).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))?;
        }
    }
    fs::rename(&partial, &file).map_err(FileError::at(&file, "move the new file into place"))?;
    Ok(file)
}

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

/// Tick labels with as many decimals as a span of `span` needs, and no
/// "-0".
fn number_labels(span: f64) -> impl Fn(&f64) -> String {
    let decimals = if span >= 20.0 {
        0
    } else if span >= 2.0 {
        1
    } else if span >= 0.2 {
        2
    } else {
        3
    };
    move |y| {
        let text = format!("{y:.decimals$}");
        if text
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            text.trim_start_matches('-').to_string()
        } else {
            text
        }
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

/// Draws one chart per chosen metric of the sweep in `dir` (its points.csv
/// and sweep.toml) into `dir/charts/`.
pub fn draw_sweep(dir: &Path, format: Format) -> Result<Vec<PathBuf>, ChartError> {
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

/// Every `k`-th item, the last always kept, so at most about `max` remain.
fn thin<T: Clone>(items: &[T], max: usize) -> Vec<T> {
    let k = items.len().div_ceil(max).max(1);
    let mut out: Vec<T> = items.iter().step_by(k).cloned().collect();
    if let Some(last) = items.last() {
        if (items.len() - 1) % k != 0 {
            out.push(last.clone());
        }
    }
    out
}

/// Ticks of a log axis: labelled at 1, 2 and 5 times a power of ten, grid
/// lines at every whole multiple, so labels never crowd.
fn log_axis(lo: f64, hi: f64) -> WithKeyPoints<LogCoord<f64>> {
    let decades = (lo.log10().floor() as i32)..=(hi.log10().ceil() as i32);
    let at = |ms: &[f64]| -> Vec<f64> {
        decades
            .clone()
            .flat_map(|d| ms.iter().map(move |m| m * 10f64.powi(d)))
            .filter(|x| (lo..=hi).contains(x))
            .collect()
    };
    let light = at(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    (lo..hi)
        .log_scale()
        .with_key_points(at(&[1.0, 2.0, 5.0]))
        .with_light_points(light)
}

/// Ticks on a log axis read best as plain numbers with few digits.
fn ms_label(x: &f64) -> String {
    if *x >= 10.0 {
        format!("{x:.0}")
    } else if *x >= 1.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// The empirical CDF of `(upper_ms, count)` buckets as a step line: flat
/// up to each bucket's value, then a rise by its share. Thinned first, so
/// the steps stay true to the points kept.
fn cdf_points(mut buckets: Vec<(f64, u64)>) -> Vec<(f64, f64)> {
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: u64 = buckets.iter().map(|b| b.1).sum();
    let mut seen = 0;
    let points: Vec<(f64, f64)> = buckets
        .into_iter()
        .map(|(x, n)| {
            seen += n;
            (x, seen as f64 / total as f64)
        })
        .collect();
    let mut steps = Vec::new();
    let mut below = 0.0;
    for (x, share) in thin(&points, MAX_POINTS / 2) {
        steps.push((x, below));
        steps.push((x, share));
        below = share;
    }
    steps
}

fn latency_range(run: &Run) -> (f64, f64) {
    let lo = run
        .latency
        .iter()
        .map(|r| r.lower_ms)
        .fold(f64::INFINITY, f64::min);
    let hi = run.latency.iter().map(|r| r.upper_ms).fold(0.0, f64::max);
    let hi = hi.max(run.summary.deadline_mean_ms);
    if lo.is_finite() && hi > 0.0 {
        ((lo * 0.8).max(0.01), hi * 1.25)
    } else {
        (0.1, 1000.0)
    }
}

fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 15))
        .draw()
}

fn latency_cdf<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let (lo, hi) = latency_range(run);
    let mut chart = ChartBuilder::on(root)
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(log_axis(lo, hi), 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("latency (ms, log scale)")
        .y_desc("share of delivered frames / completed tasks at or below")
        .x_label_formatter(&ms_label)
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    let frames = cdf_points(
        run.latency
            .iter()
            .filter(|r| r.series == "frame")
            .map(|r| (r.upper_ms, r.count))
            .collect(),
    );
    let tasks = cdf_points(
        run.latency
            .iter()
            .filter(|r| r.series == "task")
            .map(|r| (r.upper_ms, r.count))
            .collect(),
    );
    let (frame_colour, task_colour) = (PALETTE[0], PALETTE[7]);
    chart
        .draw_series(LineSeries::new(tasks, task_colour.stroke_width(2)))?
        .label("tasks (creation to reply)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], task_colour.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(frames, frame_colour.stroke_width(3)))?
        .label("frames (creation to delivery)")
        .legend(move |(x, y)| {
            PathElement::new([(x, y), (x + 24, y)], frame_colour.stroke_width(3))
        });

    let deadline = run.summary.deadline_mean_ms;
    let red = PALETTE[3];
    chart
        .draw_series(DashedLineSeries::new(
            [(deadline, 0.0), (deadline, 1.0)],
            8,
            5,
            red.stroke_width(2),
        ))?
        .label(if run.summary.deadline_constant {
            format!("deadline {deadline:.0} ms")
        } else {
            format!("mean deadline {deadline:.0} ms")
        })
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], red.stroke_width(2)));

    let s = &run.summary;
    let marks = [
        ("p50", 0.50, s.frame_latency_p50_ms),
        ("p95", 0.95, s.frame_latency_p95_ms),
        ("p99", 0.99, s.frame_latency_p99_ms),
    ];
    for (name, q, value) in marks {
        if let Some(x) = value {
            chart.draw_series([Circle::new((x, q), 5, frame_colour.filled())])?;
            chart.draw_series([Text::new(
                format!("{name} {x:.1} ms"),
                (x * 1.04, q - 0.06),
                (FONT, 15).into_font(),
            )])?;
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn latency_by_group<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &Run,
) -> DrawResult<DB> {
    const BINS: usize = 60;
    let (lo, hi) = latency_range(run);
    let (llo, lhi) = (lo.ln(), hi.ln());
    let bin_of = |x: f64| {
        (((x.ln() - llo) / (lhi - llo)) * BINS as f64).clamp(0.0, BINS as f64 - 1.0) as usize
    };
    let centre = |i: usize| (llo + (i as f64 + 0.5) / BINS as f64 * (lhi - llo)).exp();
    let mut groups: Vec<(String, Vec<f64>)> = Vec::new();
    for r in run.latency.iter().filter(|r| r.series == "task") {
        if !groups.iter().any(|(g, _)| *g == r.group) {
            groups.push((r.group.clone(), vec![0.0; BINS]));
        }
        let bins = &mut groups
            .iter_mut()
            .find(|(g, _)| *g == r.group)
            .expect("just added")
            .1;
        bins[bin_of((r.lower_ms * r.upper_ms).sqrt())] += r.count as f64;
    }
    for (_, bins) in &mut groups {
        let total: f64 = bins.iter().sum();
        bins.iter_mut().for_each(|b| *b *= 100.0 / total);
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
        let points: Vec<(f64, f64)> = bins
            .iter()
            .enumerate()
            .map(|(b, v)| (centre(b), *v))
            .collect();
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(group.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(2)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// Samples averaged over windows of equal length, at most `MAX_POINTS`:
/// `(t_s, queued, busy share, on-time rate, attempts/s, failovers/s, timeouts/s)`.
struct Window {
    t_s: f64,
    queued: f64,
    busy: f64,
    on_time: Option<f64>,
    attempts_per_s: f64,
    failovers_per_s: f64,
    timeouts_per_s: f64,
}

/// One value of a window, if it has one (no on-time rate without deliveries).
type Measure = fn(&Window) -> Option<f64>;
/// One rate of a window, per second.
type Rate = fn(&Window) -> f64;

fn windows(run: &Run) -> Vec<Window> {
    let rows = &run.samples;
    let k = rows.len().div_ceil(MAX_POINTS).max(1);
    let slots = run.summary.slots.max(1) as f64;
    let mut start_ms = 0.0;
    rows.chunks(k)
        .map(|chunk| {
            // Each row weighs as much as its interval is long.
            let from_ms = start_ms;
            let area = |level: fn(&SampleRow) -> f64| {
                let mut at = from_ms;
                let mut total = 0.0;
                for r in chunk {
                    total += level(r) * (r.t_ms - at);
                    at = r.t_ms;
                }
                total
            };
            let queued = area(|r| r.waiting_coordinator + r.waiting_peers);
            let busy = area(|r| r.running);
            let last = chunk.last().expect("chunks are not empty");
            let dt_ms = last.t_ms - from_ms;
            start_ms = last.t_ms;
            let count = |flow: fn(&SampleRow) -> u64| chunk.iter().map(flow).sum::<u64>();
            let delivered = count(|r| r.frames_delivered);
            let per_s = |n: u64| {
                if dt_ms > 0.0 {
                    n as f64 * 1000.0 / dt_ms
                } else {
                    0.0
                }
            };
            let mean = |area: f64| if dt_ms > 0.0 { area / dt_ms } else { 0.0 };
            Window {
                t_s: last.t_ms / 1000.0,
                queued: mean(queued),
                busy: mean(busy) / slots,
                on_time: (delivered > 0)
                    .then(|| count(|r| r.frames_on_time) as f64 / delivered as f64),
                attempts_per_s: per_s(count(|r| r.attempts)),
                failovers_per_s: per_s(count(|r| r.failovers)),
                timeouts_per_s: per_s(count(|r| r.timeouts)),
            }
        })
        .collect()
}

/// Dashed verticals where counting starts (after warmup) and where new
/// frames stop (the drain that follows has only stragglers).
fn phase_marks<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    run: &Run,
    top: f64,
    labels: bool,
) -> DrawResult<DB> {
    let grey = BLACK.mix(0.55);
    let marks = [
        (run.summary.warmup_s, "warmup ends"),
        (run.summary.duration_s, "no new frames"),
    ];
    for (t, label) in marks {
        if t <= 0.0 {
            continue;
        }
        chart.draw_series(DashedLineSeries::new(
            [(t, 0.0), (t, top)],
            6,
            4,
            grey.stroke_width(1),
        ))?;
        if labels {
            // Left of the line, unless that would run off the plot.
            let t_end = chart.x_range().end;
            let side = if t < 0.15 * t_end {
                HPos::Left
            } else {
                HPos::Right
            };
            let style = TextStyle::from((FONT, 13).into_font())
                .color(&grey)
                .pos(Pos::new(side, VPos::Top));
            chart.draw_series([Text::new(format!(" {label} "), (t, top * 0.98), style)])?;
        }
    }
    Ok(())
}

/// Tick labels for a time axis ending at `t_end` seconds: as many decimals
/// as it takes for neighbouring ticks to differ.
fn time_labels(t_end: f64) -> impl Fn(&f64) -> String {
    let decimals = if t_end >= 20.0 {
        0
    } else if t_end >= 2.0 {
        1
    } else {
        2
    };
    move |t| format!("{t:.decimals$}")
}

fn time_series<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let w = windows(run);
    let t_end = w.last().map_or(1.0, |w| w.t_s).max(1e-3);
    let time_label = time_labels(t_end);
    let panels = root.split_evenly((3, 1));
    let window_s = match (w.first(), w.get(1)) {
        (Some(a), Some(b)) => b.t_s - a.t_s,
        _ => 0.0,
    };
    let specs: [(&str, &str, Measure, f64); 3] = [
        (
            "tasks waiting (coordinator and peer queues)",
            "tasks",
            |w| Some(w.queued),
            // at least 0..5, so that a small queue gets whole-number ticks
            (w.iter().map(|w| w.queued).fold(0.0, f64::max) * 1.1).max(5.0),
        ),
        (
            "busy slots, share of all slots",
            "busy",
            |w| Some(w.busy * 100.0),
            100.0,
        ),
        (
            "frames on time, share of those delivered in the window",
            "on time",
            |w| w.on_time.map(|x| x * 100.0),
            100.0,
        ),
    ];
    for (i, (panel, (what, unit, value, top))) in panels.iter().zip(specs).enumerate() {
        let colour = PALETTE[i];
        let mut chart = ChartBuilder::on(panel)
            .margin(12)
            .caption(what, (FONT, 18))
            .x_label_area_size(if i == 2 { 45 } else { 25 })
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..t_end, 0.0..top)?;
        let percent = i > 0;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(if percent {
            format!("{unit} (%)")
        } else {
            unit.to_string()
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_label_formatter(&time_label)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .y_labels(5);
        if i == 2 {
            mesh.x_desc(format!("simulated time (s); windows of {window_s:.2} s"));
        }
        mesh.draw()?;
        phase_marks(&mut chart, run, top, i == 0)?;
        let points: Vec<(f64, f64)> = w
            .iter()
            .filter_map(|w| value(w).map(|v| (w.t_s, v)))
            .collect();
        chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))?;
    }
    Ok(())
}

fn peers<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let shown = thin(&run.peers.iter().collect::<Vec<_>>(), MAX_PEERS);
    let mut groups: Vec<&str> = Vec::new();
    for p in &run.peers {
        if !groups.contains(&p.group.as_str()) {
            groups.push(&p.group);
        }
    }
    let colour =
        |g: &str| PALETTE[groups.iter().position(|x| *x == g).unwrap_or(0) % PALETTE.len()];
    // Reliabilities are often a few discrete values: spread the dots a
    // little, by peer id, so that they do not hide each other.
    let spread =
        |p: &PeerRow| p.reliability + ((f64::from(p.peer) * 0.618_034).fract() - 0.5) * 0.012;
    let x_lo = run.peers.iter().map(|p| p.reliability).fold(1.0, f64::min);
    let x_range = (x_lo - 0.03).max(-0.01)..1.01;
    let caption = if shown.len() < run.peers.len() {
        format!("{} of {} peers shown", shown.len(), run.peers.len())
    } else {
        format!("{} peers", run.peers.len())
    };
    let panels = root.split_evenly((1, 2));
    let util_top = run
        .peers
        .iter()
        .map(|p| p.utilization * 100.0)
        .fold(1.0, f64::max)
        * 1.1;
    let specs = [
        ("utilisation", "busy slot-time share (%)", util_top),
        ("final reputation", "reputation", 1.05),
    ];
    for (i, (panel, (what, y_desc, top))) in panels.iter().zip(specs).enumerate() {
        let mut chart = ChartBuilder::on(panel)
            .margin(15)
            .caption(format!("{what} ({caption})"), (FONT, 18))
            .x_label_area_size(50)
            .y_label_area_size(65)
            .build_cartesian_2d(x_range.clone(), 0.0..top)?;
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
        for g in &groups {
            let c = colour(g);
            let value = |p: &PeerRow| {
                if i == 0 {
                    p.utilization * 100.0
                } else {
                    p.reputation
                }
            };
            chart
                .draw_series(
                    shown
                        .iter()
                        .filter(|p| p.group == *g)
                        .map(|p| Circle::new((spread(p), value(p)), 4, c.mix(0.75).filled())),
                )?
                .label(*g)
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

fn attempts<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
    let w: Vec<Window> = windows(run).into_iter().skip(1).collect();
    let t_end = w.last().map_or(1.0, |w| w.t_s).max(1e-3);
    let time_label = time_labels(t_end);
    let top = w.iter().map(|w| w.attempts_per_s).fold(1.0, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(root)
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..t_end, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("simulated time (s)")
        .y_desc("per second of simulated time")
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_label_formatter(&time_label)
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 17))
        .draw()?;
    phase_marks(&mut chart, run, top, true)?;
    let series: [(&str, Rate); 3] = [
        ("attempts", |w| w.attempts_per_s),
        ("failovers (retries)", |w| w.failovers_per_s),
        ("timeouts", |w| w.timeouts_per_s),
    ];
    for (i, (name, value)) in series.into_iter().enumerate() {
        let colour = PALETTE[i];
        chart
            .draw_series(LineSeries::new(
                w.iter().map(|w| (w.t_s, value(w))),
                colour.stroke_width(2),
            ))?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(2)));
    }
    legend(&mut chart, SeriesLabelPosition::MiddleRight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends_and_bounds_the_count() {
        let xs: Vec<u32> = (0..10_001).collect();
        let t = thin(&xs, 1000);
        assert!(t.len() <= 1002);
        assert_eq!(t.first(), Some(&0));
        assert_eq!(t.last(), Some(&10_000));
        assert_eq!(thin(&[1, 2, 3], 1000), vec![1, 2, 3]);
    }

    #[test]
    fn the_bundled_font_is_valid() {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        assert!(plotters::style::register_font("test-font", FontStyle::Normal, bytes).is_ok());
    }
}
