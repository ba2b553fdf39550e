//! Charts of a run, drawn from its CSV files alone (so `p2c2g plot DIR`
//! redraws them without running anything). Long series are thinned to a
//! bounded number of points, so drawing costs the same for any run length.
//!
//! Text: SVG files name the `sans-serif` family and need no font to be
//! written; PNG files are rasterised with DejaVu Sans, compiled into the
//! binary (pure-Rust `ab_glyph`), so they look the same on any machine.

//!
//! One file per chart (`latency_cdf.rs`, ...; `sweep.rs` for a sweep's
//! metric charts), `run.rs` for what a run's charts are drawn from, and
//! `style.rs` for what they share: the font, the colours, axis helpers and
//! the file formats.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::sweep::SweepInfoError;
use super::FileError;
use run::Run;
use style::{charts_dir, register_font, render, DrawResult, Drawable, FONT};

mod attempts;
mod compare;
mod coordinators;
mod latency_by_group;
mod latency_cdf;
mod links;
mod peers;
mod run;
mod style;
mod sweep;
mod timeseries;

pub use compare::{draw_cdfs, draw_differences};
pub use style::Format;
pub use sweep::{metric_label, Choice, Points as Table};

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
    /// What the user asked to chart does not exist (a metric, a key).
    #[error("{0}")]
    Choice(String),
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
    Links,
    Coordinators,
}

impl Chart {
    pub const ALL: [Chart; 7] = [
        Chart::LatencyCdf,
        Chart::LatencyByGroup,
        Chart::TimeSeries,
        Chart::Peers,
        Chart::Attempts,
        Chart::Links,
        Chart::Coordinators,
    ];

    pub fn file_stem(self) -> &'static str {
        match self {
            Chart::LatencyCdf => "latency_cdf",
            Chart::LatencyByGroup => "latency_by_group",
            Chart::TimeSeries => "timeseries",
            Chart::Peers => "peers",
            Chart::Attempts => "attempts",
            Chart::Links => "links",
            Chart::Coordinators => "coordinators",
        }
    }

    /// Width and height in pixels.
    pub fn size(self) -> (u32, u32) {
        match self {
            Chart::TimeSeries => (1000, 860),
            Chart::Attempts => (1000, 760),
            Chart::Peers | Chart::Links | Chart::Coordinators => (1100, 520),
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
            Chart::Links => "access links: time spent sending against bandwidth",
            Chart::Coordinators => "coordinators side by side",
        }
    }

    /// Whether the chart has anything to show for `run`: the links chart
    /// only when messages take time on links.
    fn applies(self, run: &Run) -> bool {
        match self {
            Chart::Links => links::applies(run),
            Chart::Coordinators => coordinators::applies(run),
            _ => true,
        }
    }

    fn draw<DB: DrawingBackend>(self, root: &DrawingArea<DB, Shift>, run: &Run) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let title = format!("{}: {}", run.summary.scenario, self.title());
        let root = root.titled(&title, (FONT, 24))?;
        match self {
            Chart::LatencyCdf => latency_cdf::draw(&root, run),
            Chart::LatencyByGroup => latency_by_group::draw(&root, run),
            Chart::TimeSeries => timeseries::draw(&root, run),
            Chart::Peers => peers::draw(&root, run),
            Chart::Attempts => attempts::draw(&root, run),
            Chart::Links => links::draw(&root, run),
            Chart::Coordinators => coordinators::draw(&root, run),
        }
    }
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
        .filter(|chart| chart.applies(&run))
        .map(|&chart| render(&RunChart { chart, run: &run }, &out, format))
        .collect()
}

/// The charts of the run in `dir` as SVG text, in memory (for a report):
/// (file stem, SVG), in the order [`draw_run`] draws them.
pub fn run_svgs(dir: &Path) -> Result<Vec<(String, String)>, ChartError> {
    register_font();
    let run = Run::load(dir)?;
    Chart::ALL
        .iter()
        .filter(|chart| chart.applies(&run))
        .map(|&chart| {
            let svg = style::svg_string(&RunChart { chart, run: &run }).map_err(|message| {
                ChartError::Draw {
                    chart: dir
                        .join("charts")
                        .join(format!("{}.svg", chart.file_stem())),
                    message,
                }
            })?;
            Ok((chart.file_stem().to_string(), svg))
        })
        .collect()
}

/// Draws one chart per chosen metric of the sweep in `dir` (its points.csv
/// and sweep.toml) into `dir/charts/`: the sweep's metrics against its
/// first numeric key, unless `choice` says otherwise. Returns the files
/// written.
pub fn draw_sweep(dir: &Path, format: Format, choice: &Choice) -> Result<Vec<PathBuf>, ChartError> {
    sweep::draw(dir, format, choice)
}

/// The charts of the sweep in `dir` as SVG text, in memory (for a report):
/// (file stem, SVG).
pub fn sweep_svgs(dir: &Path) -> Result<Vec<(String, String)>, ChartError> {
    sweep::svgs(dir)
}

/// The format the charts in `dir/charts/` were drawn in: PNG if there are
/// PNG files and no SVG ones, else SVG (the default).
pub fn format_in(dir: &Path) -> Format {
    let has = |ext: &str| {
        fs::read_dir(dir.join("charts")).is_ok_and(|entries| {
            entries.filter_map(Result::ok).any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                !name.starts_with('.') && name.ends_with(ext)
            })
        })
    };
    if has(".png") && !has(".svg") {
        Format::Png
    } else {
        Format::Svg
    }
}
