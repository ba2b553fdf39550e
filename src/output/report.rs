//! `report.html`: one self-contained page of a run's or a sweep's results
//! that a colleague opens in any browser, offline: the summary, every
//! chart inline as SVG (drawn afresh from the CSV files), the scenario as
//! it ran, and for a sweep the points table, its differences and its plan.
//!
//! Self-contained means nothing is fetched: no script, no stylesheet, font
//! or image from anywhere, not even from the folder beside it. The page
//! says so to the browser too: its Content-Security-Policy (`default-src
//! 'none'`, inline styles allowed) blocks any fetch, so a page that tried
//! would show it as a console error, which CI looks for in Chromium.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::charts::{self, metric_label, ChartError};
use super::folder;
use super::sweep::{is_share, read_rows, SweepInfo, SweepInfoError};
use super::FileError;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The folder does not hold a run's or a sweep's results (bad input).
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Info(#[from] SweepInfoError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Charts(#[from] ChartError),
}

impl ReportError {
    /// Whether the error is the input's (exit code 2), not a failure.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, ReportError::Input(_) | ReportError::Info(_))
    }
}

/// The page's policy: nothing may be fetched; inline styles and SVG only.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE: &str = "\
body { font-family: sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
.sub { color: #555; margin-top: 0; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.wide { overflow-x: auto; max-width: 100%; }
figure { margin: 1.5em 0; }
figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
pre { background: #f7f7f7; border: 1px solid #e3e3e3; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.note { color: #8a5a00; }
";

/// HTML text: `&`, `<`, `>` and quotes escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A table of `header` and `rows`, numbers right-aligned.
fn table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut html = String::from("<div class=\"wide\"><table>\n<tr>");
    for h in header {
        let _ = write!(html, "<th>{}</th>", escape(h));
    }
    html.push_str("</tr>\n");
    for r in rows {
        html.push_str("<tr>");
        for cell in r {
            let class = if cell.parse::<f64>().is_ok() {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(html, "<td{class}>{}</td>", escape(cell));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table></div>\n");
    html
}

/// A chart's SVG, ready to sit in the page: without an XML declaration.
fn figure(stem: &str, svg: &str) -> String {
    let svg = svg
        .trim_start()
        .strip_prefix("<?xml")
        .and_then(|rest| rest.split_once("?>").map(|(_, s)| s))
        .unwrap_or(svg);
    format!(
        "<figure id=\"chart-{stem}\">\n{}\n<figcaption>charts/{stem}</figcaption></figure>\n",
        svg.trim()
    )
}

/// A number as the page shows it: a share in percent, others with a few
/// significant decimals.
fn shown(metric: &str, text: &str) -> String {
    let Ok(x) = text.parse::<f64>() else {
        return if text.is_empty() {
            "-".into()
        } else {
            text.to_string()
        };
    };
    if is_share(metric) {
        format!("{:.2}%", 100.0 * x)
    } else if metric.ends_with("_ms") {
        // Milliseconds to a tenth, the same in a mean and its bounds.
        format!("{x:.1}")
    } else if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

/// The first row of a CSV file as (column, value) pairs.
fn first_row(file: &Path) -> Result<Vec<(String, String)>, ReportError> {
    let (header, rows) = read_rows(file).map_err(|e| FileError::csv(file, "read the file", e))?;
    let row = rows
        .into_iter()
        .next()
        .ok_or_else(|| ReportError::Input(format!("{}: has no rows", file.display())))?;
    Ok(header.into_iter().zip(row).collect())
}

/// A file's text, or why it is not shown.
fn text_of(file: &Path) -> Result<String, ReportError> {
    fs::read_to_string(file).map_err(|e| FileError::new(file, "read the file", e).into())
}

/// The page's head and its title block.
fn start(title: &str, what: &str, sections: &[(&str, &str)]) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} - p2c2g report</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <h1>{}</h1>\n<p class=\"sub\">{}</p>\n<nav>",
        escape(title),
        escape(title),
        escape(what)
    );
    for (id, name) in sections {
        let _ = write!(html, "<a href=\"#{id}\">{}</a>", escape(name));
    }
    html.push_str("</nav>\n");
    html
}

fn end(mut html: String) -> String {
    html.push_str(
        "<p class=\"sub\">Written by <code>p2c2g report</code>: one self-contained file, no \
         scripts, nothing fetched; the charts are drawn from the folder's CSV files.</p>\n\
         </body>\n</html>\n",
    );
    html
}

/// The key figures of a run's summary, in the order a reader wants them.
const KEY_FIGURES: [&str; 21] = [
    "frames",
    "deadline_hit_rate",
    "frames_late",
    "frames_failed",
    "good_rate",
    "frame_latency_p50_ms",
    "frame_latency_p95_ms",
    "frame_latency_p99_ms",
    "frame_latency_max_ms",
    "tasks",
    "attempts",
    "failovers",
    "timeouts",
    "attempts_lost",
    "utilization",
    "peer_availability",
    "cost_total",
    "cost_per_frame_on_time",
    "energy_kwh",
    "margin",
    "sim_time_s",
];

/// The page of the run in `dir`.
fn run_page(dir: &Path) -> Result<String, ReportError> {
    let summary = first_row(&dir.join("summary.csv"))?;
    let value = |c: &str| {
        summary
            .iter()
            .find(|(h, _)| h == c)
            .map(|(_, v)| v.as_str())
    };
    let name = value("scenario").unwrap_or("run").to_string();
    let info = first_row(&dir.join("run_info.csv")).ok();
    let info_of = |c: &str| {
        info.as_ref()
            .and_then(|i| i.iter().find(|(h, _)| h == c))
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let what = format!(
        "A run of {} (seed {}): {} renters, {} peers, {} s{}",
        name,
        value("seed").unwrap_or("?"),
        value("renters").unwrap_or("?"),
        value("peers").unwrap_or("?"),
        value("duration_s").unwrap_or("?"),
        if info.is_some() {
            format!("; p2c2g {} ({})", info_of("version"), info_of("commit"))
        } else {
            String::new()
        }
    );
    let svgs = charts::run_svgs(dir)?;
    let mut html = start(
        &name,
        &what,
        &[
            ("summary", "summary"),
            ("charts", "charts"),
            ("scenario", "scenario"),
        ],
    );
    html.push_str("<h2 id=\"summary\">Summary</h2>\n");
    let rows: Vec<Vec<String>> = KEY_FIGURES
        .iter()
        .filter_map(|m| {
            let v = value(m)?;
            Some(vec![metric_label(m), shown(m, v), m.to_string()])
        })
        .collect();
    html.push_str(&table(
        &["", "value", "column of summary.csv"].map(String::from),
        &rows,
    ));
    html.push_str("<details><summary>every column of summary.csv</summary>\n");
    let all: Vec<Vec<String>> = summary
        .iter()
        .map(|(h, v)| vec![h.clone(), v.clone()])
        .collect();
    html.push_str(&table(&["column", "value"].map(String::from), &all));
    html.push_str("</details>\n");
    if info.is_some() {
        html.push_str("<details><summary>how it was made (run_info.csv)</summary>\n");
        let rows: Vec<Vec<String>> = info
            .iter()
            .flatten()
            .map(|(h, v)| vec![h.clone(), v.clone()])
            .collect();
        html.push_str(&table(&["column", "value"].map(String::from), &rows));
        html.push_str("</details>\n");
    }
    html.push_str("<h2 id=\"charts\">Charts</h2>\n");
    for (stem, svg) in &svgs {
        html.push_str(&figure(stem, svg));
    }
    html.push_str(
        "<h2 id=\"scenario\">The scenario as it ran</h2>\n<p class=\"sub\">scenario.toml: every \
         key resolved; <code>p2c2g run scenario.toml</code> runs it again, byte for byte.</p>\n",
    );
    let scenario = text_of(&dir.join(folder::SCENARIO_FILE))?;
    let _ = writeln!(html, "<pre>{}</pre>", escape(&scenario));
    Ok(end(html))
}

/// The page of the sweep in `dir`.
fn sweep_page(dir: &Path) -> Result<String, ReportError> {
    let info = SweepInfo::read(dir)?;
    if let Some(shard) = &info.shard {
        return Err(ReportError::Input(format!(
            "{}: holds shard {shard} of a sweep; merge the shards first (p2c2g merge), then report",
            dir.display()
        )));
    }
    let points_file = dir.join("points.csv");
    let (header, rows) =
        read_rows(&points_file).map_err(|e| FileError::csv(&points_file, "read the file", e))?;
    let what = format!(
        "A sweep of {} points x {} replications over {}",
        info.points,
        info.replications,
        if info.keys.is_empty() {
            "no key (replications only)".to_string()
        } else {
            info.keys.join(", ")
        }
    );
    let svgs = charts::sweep_svgs(dir)?;
    let differences = dir.join("differences.csv");
    let mut sections = vec![("points", "points"), ("charts", "charts")];
    if differences.exists() {
        sections.push(("differences", "differences"));
    }
    sections.push(("plan", "plan and scenario"));
    let mut html = start(&info.name, &what, &sections);

    // The points, with the charted metrics' means and intervals.
    html.push_str("<h2 id=\"points\">Points</h2>\n");
    let col = |name: &str| header.iter().position(|h| h == name);
    let keys = info.keys.len();
    let mut head: Vec<String> = header[..(1 + keys).min(header.len())].to_vec();
    head.push("runs".into());
    let metrics: Vec<&String> = info
        .metrics
        .iter()
        .filter(|m| col(&format!("{m}_mean")).is_some())
        .collect();
    for m in &metrics {
        head.push(format!("{} (95% CI)", metric_label(m)));
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut line: Vec<String> = r[..(1 + keys).min(r.len())].to_vec();
            let field = |c: Option<usize>| c.and_then(|c| r.get(c)).cloned().unwrap_or_default();
            let runs = field(col("runs"));
            line.push(runs.clone());
            for m in &metrics {
                let get = |s: &str| field(col(&format!("{m}{s}")));
                let mut cell = shown(m, &get("_mean"));
                if !get("_ci95_low").is_empty() {
                    cell += &format!(
                        " [{}, {}]",
                        shown(m, &get("_ci95_low")),
                        shown(m, &get("_ci95_high"))
                    );
                }
                if get("_n") != runs {
                    cell += &format!(" n={}", get("_n"));
                }
                line.push(cell);
            }
            line
        })
        .collect();
    html.push_str(&table(&head, &cells));
    html.push_str("<details><summary>points.csv, every column</summary>\n");
    html.push_str(&table(&header, &rows));
    html.push_str("</details>\n");

    html.push_str("<h2 id=\"charts\">Charts</h2>\n");
    for (stem, svg) in &svgs {
        html.push_str(&figure(stem, svg));
    }

    if differences.exists() {
        let (h, d) = read_rows(&differences)
            .map_err(|e| FileError::csv(&differences, "read the file", e))?;
        let reference: Vec<String> = info
            .reference
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(
            html,
            "<h2 id=\"differences\">Differences</h2>\n<p class=\"sub\">differences.csv: each \
             point minus the point with {} (and its own values of the other keys), replication \
             by replication (the same seeds), with the paired 95% interval.</p>",
            escape(&reference.join(", "))
        );
        html.push_str(&table(&h, &d));
    }

    html.push_str("<h2 id=\"plan\">The plan and the scenario as they ran</h2>\n");
    html.push_str(
        "<p class=\"sub\">sweep.toml: the plan (its fingerprint is checked by --resume and \
         merge).</p>\n",
    );
    let plan = text_of(&dir.join("sweep.toml"))?;
    let _ = writeln!(html, "<pre>{}</pre>", escape(&plan));
    // The files the sweep read, shown when they are still as they were.
    for (path, sha) in &info.inputs {
        let file = Path::new(path);
        let _ = writeln!(html, "<h3>{}</h3>", escape(path));
        match fs::read(file) {
            Ok(bytes) if crate::digest::sha256_hex(&bytes) == *sha => {
                let text = String::from_utf8_lossy(&bytes);
                let _ = writeln!(html, "<pre>{}</pre>", escape(&text));
            }
            Ok(_) => {
                let _ = writeln!(
                    html,
                    "<p class=\"note\">changed since the sweep ran (its SHA-256 is no longer \
                     {sha}): not shown.</p>"
                );
            }
            Err(e) => {
                let _ = writeln!(
                    html,
                    "<p class=\"note\">not found from here ({}): not shown.</p>",
                    escape(&e.to_string())
                );
            }
        }
    }
    Ok(end(html))
}

/// The report of the results in `dir`, as HTML.
pub fn html(dir: &Path) -> Result<String, ReportError> {
    if !dir.is_dir() {
        return Err(ReportError::Input(format!(
            "{}: no such folder",
            dir.display()
        )));
    }
    if dir.join("sweep.toml").exists() {
        sweep_page(dir)
    } else if dir.join("summary.csv").exists() {
        run_page(dir)
    } else {
        Err(ReportError::Input(format!(
            "{}: holds neither a run's results (summary.csv) nor a sweep's (sweep.toml, \
             points.csv)",
            dir.display()
        )))
    }
}

/// Writes the report of the results in `dir` to `out` (default
/// `dir/report.html`), whole or not at all. Returns the file written.
pub fn write(dir: &Path, out: Option<&Path>) -> Result<PathBuf, ReportError> {
    let file = out.map_or_else(|| dir.join("report.html"), Path::to_path_buf);
    // Never over a file that is not a report.
    if file.extension().and_then(|e| e.to_str()) != Some("html") {
        return Err(ReportError::Input(format!(
            "--out {}: a report is an .html file",
            file.display()
        )));
    }
    if let Ok(old) = fs::read(&file) {
        if !old.starts_with(b"<!DOCTYPE html>") || !contains(&old, b"p2c2g report") {
            return Err(ReportError::Input(format!(
                "{}: exists and is not a p2c2g report; write the report elsewhere with --out",
                file.display()
            )));
        }
    }
    let page = html(dir)?;
    let partial = PathBuf::from(format!("{}.partial", file.display()));
    let mut f =
        folder::create_fresh(&partial).map_err(FileError::at(&partial, "create the file"))?;
    f.write_all(page.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| {
            let _ = fs::remove_file(&partial);
            FileError::new(&partial, "write the file", e)
        })?;
    fs::rename(&partial, &file).map_err(|e| {
        let _ = fs::remove_file(&partial);
        FileError::new(&file, "move the new file into place", e)
    })?;
    Ok(file)
}

/// Whether `haystack` holds `needle`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn numbers_read_as_the_metric_is() {
        assert_eq!(shown("deadline_hit_rate", "0.97885"), "97.89%");
        assert_eq!(shown("frames", "66000"), "66000");
        assert_eq!(shown("frame_latency_p99_ms", "164.7123"), "164.7");
        assert_eq!(shown("frame_latency_p99_ms", "57.924"), "57.9");
        assert_eq!(shown("failovers_per_frame", "0.33"), "0.330");
        assert_eq!(shown("x", ""), "-");
    }
}
