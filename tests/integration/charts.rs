//! Charts: every run draws them, each is a well-formed file with the title
//! and size it should have, and `p2c2g plot` redraws them from the CSV
//! files alone.

use std::fs;
use std::path::Path;

use p2c2g::output::charts::Chart;

use crate::common::*;

/// Runs the demo with links on and two coordinators (the second with no
/// renter), so that every chart is drawn.
fn run(dir: &Path, extra: &[&str]) {
    let mut args = vec![
        "--set",
        "workload.output_kb=20",
        "--set",
        "peers.demo_peer.uplink_mbps={ dist = \"choice\", values = [10, 100] }",
        "--set",
        "coordinator.count=2",
    ];
    args.extend_from_slice(extra);
    let out = p2c2g_into("run", &repo("scenarios/poc.toml"), dir, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Parses an SVG chart and returns all its text.
fn svg_text(file: &Path) -> String {
    let svg = fs::read_to_string(file).unwrap();
    let doc =
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_chart_is_well_formed_svg_with_title_and_axis_units() {
    let tmp = tempfile::tempdir().unwrap();
    run(tmp.path(), &[]);
    for chart in Chart::ALL {
        let file = tmp
            .path()
            .join("charts")
            .join(format!("{}.svg", chart.file_stem()));
        let size = fs::metadata(&file).unwrap().len();
        assert!(size > 5_000, "{}: only {size} bytes", file.display());
        let text = svg_text(&file);
        assert!(text.contains(&format!("poc: {}", chart.title())), "{text}");
        assert!(
            text.contains("(ms") || text.contains("(s)") || text.contains("(%)"),
            "units in {}",
            file.display()
        );
    }
    let cdf = svg_text(&tmp.path().join("charts/latency_cdf.svg"));
    for word in ["deadline 150 ms", "p50", "p95", "p99", "log scale"] {
        assert!(cdf.contains(word), "{word} missing from the CDF");
    }
}

/// The links chart is drawn only when messages take time on links.
#[test]
fn without_links_there_is_no_links_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let out = p2c2g_into("run", &repo("scenarios/poc.toml"), tmp.path(), &[]);
    assert!(out.status.success());
    let charts = tmp.path().join("charts");
    assert!(charts.join("peers.svg").exists());
    assert!(!charts.join("links.svg").exists());
    let links = tmp.path().join("links");
    run(&links, &[]);
    let text = svg_text(&links.join("charts/links.svg"));
    for word in [
        "uplink (replies)",
        "downlink (inputs): no limit on any peer",
        "10",
        "100",
    ] {
        assert!(
            text.contains(word),
            "{word} missing from the links chart: {text}"
        );
    }
}

#[test]
fn png_charts_decode_at_their_size() {
    let tmp = tempfile::tempdir().unwrap();
    run(tmp.path(), &["--format", "png"]);
    for chart in Chart::ALL {
        let file = tmp
            .path()
            .join("charts")
            .join(format!("{}.png", chart.file_stem()));
        let decoder = png::Decoder::new(fs::File::open(&file).unwrap());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(
            (info.width, info.height),
            chart.size(),
            "{}",
            file.display()
        );
        // Not blank: a chart has many colours (text, lines, grid).
        let distinct: std::collections::BTreeSet<&[u8]> = buf.chunks(3).collect();
        assert!(distinct.len() > 20, "{} looks blank", file.display());
    }
    assert!(!tmp.path().join("charts/latency_cdf.svg").exists());
}

#[test]
fn plot_redraws_the_same_charts_from_the_csv_files() {
    let tmp = tempfile::tempdir().unwrap();
    run(tmp.path(), &[]);
    let charts = tmp.path().join("charts");
    let before: Vec<Vec<u8>> = Chart::ALL
        .iter()
        .map(|c| fs::read(charts.join(format!("{}.svg", c.file_stem()))).unwrap())
        .collect();
    fs::remove_dir_all(&charts).unwrap();
    fs::remove_file(tmp.path().join("frames.csv")).unwrap();
    let (stdout, _) = ok(p2c2g(&["plot", tmp.path().to_str().unwrap()]));
    assert_eq!(stdout.lines().count(), Chart::ALL.len());
    for (chart, old) in Chart::ALL.iter().zip(before) {
        let new = fs::read(charts.join(format!("{}.svg", chart.file_stem()))).unwrap();
        assert!(new == old, "{} drawn differently", chart.file_stem());
    }
}

#[test]
fn no_charts_draws_none_and_removes_old_ones() {
    let tmp = tempfile::tempdir().unwrap();
    run(tmp.path(), &[]);
    assert!(tmp.path().join("charts/peers.svg").exists());
    run(tmp.path(), &["--no-charts"]);
    assert!(!tmp.path().join("charts/peers.svg").exists());
}

/// A folder that holds no results, or none at all, is bad input (exit 2),
/// as for `report` and `compare`.
#[test]
fn plot_of_a_folder_without_results_fails_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing");
    for (dir, says) in [
        (
            tmp.path().to_path_buf(),
            "neither a run's summary.csv nor a sweep's points.csv",
        ),
        (missing, "no such folder"),
    ] {
        let out = p2c2g(&["plot", dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
        assert!(stderr.contains(dir.to_str().unwrap()), "{stderr}");
        assert!(!stderr.contains("panicked"));
    }
}

/// Memory does not grow with the length of the time series: a million
/// rows (45 MB of CSV, about 150 MB if read whole) are drawn within 64 MiB
/// of address space.
#[cfg(unix)]
#[test]
fn plot_reads_a_long_time_series_in_bounded_memory() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    run(tmp.path(), &["--no-charts"]);
    let file = tmp.path().join("timeseries.csv");
    let header = fs::read_to_string(&file).unwrap();
    let mut w = std::io::BufWriter::new(fs::File::create(&file).unwrap());
    w.write_all(header.lines().next().unwrap().as_bytes())
        .unwrap();
    w.write_all(b"\n").unwrap();
    for i in 1..=1_000_000u64 {
        writeln!(w, "{i}.0,0.0,1.5,2.0,1.0,0.0,5.0,1,1,1,2,0,0").unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 65536 && exec \"$0\" plot \"$1\"")
        .arg(env!("CARGO_BIN_EXE_p2c2g"))
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = svg_text(&tmp.path().join("charts/timeseries.svg"));
    // 1,500 windows of 667 rows of 1 ms.
    assert!(text.contains("windows of 0.67 s"), "{text}");
}

/// Sets `column` of every row of the CSV text `csv` to `value`, or removes
/// the column if `value` is `None`.
fn with_column(csv_text: &str, column: usize, value: Option<&str>) -> String {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes());
    let mut w = csv::Writer::from_writer(Vec::new());
    for (i, record) in r.records().enumerate() {
        let mut fields: Vec<String> = record.unwrap().iter().map(String::from).collect();
        match value {
            None => {
                fields.remove(column);
            }
            Some(v) if i > 0 => fields[column] = v.to_string(),
            Some(_) => {}
        }
        w.write_record(&fields).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Values a crafted or damaged file may hold where a number is expected.
const CRAFTED: [&str; 11] = [
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "",
    "x",
    "-0",
    "0",
    "-1",
];

/// Draws charts of `dir` after replacing, one at a time, each column of
/// each file in `files` by each crafted value (or removing it): every
/// attempt gives charts or an error that names the file, in bounded time,
/// and never a panic or a hang (issue 18 #8 and #13).
fn crafted_columns(
    dir: &Path,
    files: &[&str],
    columns: impl Fn(&str) -> bool,
    draw: impl Fn(&Path) -> Result<Vec<std::path::PathBuf>, p2c2g::output::charts::ChartError>,
) -> usize {
    let mut cases = 0;
    for name in files {
        let file = dir.join(name);
        let original = fs::read_to_string(&file).unwrap();
        let header: Vec<String> = original
            .lines()
            .next()
            .unwrap()
            .split(',')
            .map(String::from)
            .collect();
        for (c, column) in header.iter().enumerate().filter(|(_, h)| columns(h)) {
            for value in CRAFTED.iter().map(Some).chain([None]) {
                fs::write(&file, with_column(&original, c, value.copied())).unwrap();
                let started = std::time::Instant::now();
                let result = draw(dir);
                let case = format!("{name}: {column} = {value:?}");
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(10),
                    "{case}: took {:?}",
                    started.elapsed()
                );
                if let Err(e) = result {
                    assert!(e.to_string().contains(name), "{case}: {e}");
                }
                cases += 1;
            }
        }
        fs::write(&file, original).unwrap();
    }
    cases
}

#[test]
fn crafted_run_files_give_charts_or_an_error_naming_the_file() {
    use p2c2g::output::charts::{draw_run, Format};
    let tmp = tempfile::tempdir().unwrap();
    run(tmp.path(), &["--no-charts"]);
    let files = [
        "summary.csv",
        "timeseries.csv",
        "peers.csv",
        "latency_hist.csv",
    ];
    let cases = crafted_columns(tmp.path(), &files, |_| true, |d| draw_run(d, Format::Svg));
    assert!(cases > 700, "{cases}");
    // The values that reach far, drawn as pixels too.
    let far = |c: &str| !matches!(c, "scenario" | "group" | "series" | "deadline_constant");
    let mut png = 0;
    for name in files {
        let file = tmp.path().join(name);
        let original = fs::read_to_string(&file).unwrap();
        let header: Vec<&str> = original.lines().next().unwrap().split(',').collect();
        for (c, _) in header.iter().enumerate().filter(|(_, h)| far(h)) {
            for value in ["1e308", "-1e308", "inf"] {
                fs::write(&file, with_column(&original, c, Some(value))).unwrap();
                // Whole-number columns refuse these: an error naming the file.
                if let Err(e) = draw_run(tmp.path(), Format::Png) {
                    assert!(
                        e.to_string().contains(name),
                        "{name} column {c} = {value}: {e}"
                    );
                }
                png += 1;
            }
        }
        fs::write(&file, original).unwrap();
    }
    assert!(png > 150, "{png}");
}

#[test]
fn crafted_sweep_files_give_charts_or_an_error_naming_the_file() {
    use p2c2g::output::charts::{draw_sweep, Format};
    let tmp = tempfile::tempdir().unwrap();
    ok(p2c2g_into(
        "sweep",
        &repo("tests/golden/sweep.toml"),
        tmp.path(),
        &["--no-charts"],
    ));
    // The grid keys and what the headline charts draw.
    let drawn = |c: &str| {
        c.starts_with("peers.")
            || c.starts_with("coordinator.")
            || c == "point"
            || [
                "deadline_hit_rate",
                "frame_latency_p99_ms",
                "failovers_per_frame",
                "utilization",
            ]
            .iter()
            .any(|m| c.starts_with(m))
    };
    let cases = crafted_columns(tmp.path(), &["points.csv"], drawn, |d| {
        draw_sweep(d, Format::Svg, &Default::default())
    });
    assert!(cases > 100, "{cases}");
    for value in ["1e308", "-1e308", "1.7976931348623157e308"] {
        let file = tmp.path().join("points.csv");
        let original = fs::read_to_string(&file).unwrap();
        // Grid values near the largest number, some of either sign.
        let mut r = csv::Reader::from_reader(original.as_bytes());
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(r.headers().unwrap()).unwrap();
        for (i, record) in r.records().enumerate() {
            let mut fields: Vec<String> = record.unwrap().iter().map(String::from).collect();
            fields[1] = if i % 2 == 0 {
                value.to_string()
            } else {
                format!("-{value}").replace("--", "")
            };
            w.write_record(&fields).unwrap();
        }
        fs::write(&file, w.into_inner().unwrap()).unwrap();
        for format in [Format::Svg, Format::Png] {
            let drawn = draw_sweep(tmp.path(), format, &Default::default());
            assert!(drawn.is_ok(), "{value}: {drawn:?}");
        }
        fs::write(&file, original).unwrap();
    }
}

/// Issue 18 #8: a deadline with an infinite mean (a Pareto of shape
/// below 1) made drawing the latency charts iterate some 2e10 ticks until
/// memory ran out. It is written as an empty field, and the charts leave
/// it out.
#[test]
fn a_deadline_with_an_infinite_mean_is_charted_without_it() {
    let tmp = tempfile::tempdir().unwrap();
    // Such a deadline is refused up front now...
    let refused = p2c2g_into(
        "run",
        &repo("scenarios/poc.toml"),
        tmp.path(),
        &[
            "--set",
            "workload.deadline_ms={ dist = \"pareto\", scale = 100, shape = 0.9 }",
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    // ...but a summary that says so (written by hand) is still drawn.
    run(tmp.path(), &[]);
    let path = tmp.path().join("summary.csv");
    let summary = fs::read_to_string(&path).unwrap();
    let mut r = csv::Reader::from_reader(summary.as_bytes());
    let header = r.headers().unwrap().clone();
    let at = header.iter().position(|h| h == "deadline_mean_ms").unwrap();
    let mut row: Vec<String> = r
        .records()
        .next()
        .unwrap()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    row[at] = "inf".into();
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&header).unwrap();
    w.write_record(&row).unwrap();
    w.flush().unwrap();
    ok(p2c2g(&["plot", tmp.path().to_str().unwrap()]));
    let cdf = svg_text(&tmp.path().join("charts/latency_cdf.svg"));
    assert!(!cdf.contains("deadline"), "{cdf}");
    assert!(cdf.contains("p99"), "{cdf}");
}

/// Issue 18 #8: numeric grid values near 1e308 made a sweep's charts spin
/// forever.
#[test]
fn a_sweep_over_huge_numbers_is_charted() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("huge.toml");
    fs::write(
        &file,
        format!(
            "[sweep]\nname = \"huge\"\nscenario = {:?}\nreplications = 2\n\
             [sweep.grid]\n\"coordinator.score.latency\" = [1e300, 1.7e308]\n",
            repo("scenarios/poc.toml").to_str().unwrap()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    for format in ["svg", "png"] {
        let started = std::time::Instant::now();
        ok(p2c2g_into("sweep", &file, &out, &["--format", format]));
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }
    let chart = svg_text(&out.join("charts/deadline_hit_rate.svg"));
    assert!(
        chart.contains("against coordinator.score.latency"),
        "{chart}"
    );
}

/// A sweep's metric names its chart file: a crafted sweep.toml (with a
/// points.csv to match) made `plot` write wherever the metric pointed, an
/// absolute path included.
#[test]
fn a_metric_that_cannot_name_a_chart_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    ok(p2c2g_into(
        "sweep",
        &repo("tests/golden/sweep.toml"),
        &dir,
        &["--no-charts"],
    ));
    let escaped = tmp.path().join("escaped");
    let metric = escaped.to_str().unwrap();
    let info = dir.join("sweep.toml");
    let text = fs::read_to_string(&info).unwrap();
    let metrics = text.lines().find(|l| l.starts_with("metrics")).unwrap();
    fs::write(
        &info,
        text.replace(metrics, &format!("metrics = [{metric:?}]")),
    )
    .unwrap();
    let points = dir.join("points.csv");
    let text = fs::read_to_string(&points).unwrap();
    let columns = format!("{metric}_mean,{metric}_ci95");
    fs::write(
        &points,
        text.replacen("frames_mean,frames_ci95", &columns, 1),
    )
    .unwrap();
    let out = p2c2g(&["plot", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sweep.toml") && stderr.contains("cannot name a chart file"),
        "{stderr}"
    );
    assert!(!tmp.path().join("escaped.svg").exists());
}

/// A text of a chart: where it is and what it says.
type Text = (f64, f64, String);
/// A polyline: its stroke colour, its width and its points.
type Polyline = (String, f64, Vec<(f64, f64)>);

/// What a chart draws, read back from its SVG: texts (x, y, content),
/// polylines (stroke colour, width, points) and circles (centre, fill).
struct Drawn {
    texts: Vec<Text>,
    lines: Vec<Polyline>,
    circles: Vec<(f64, f64, String)>,
}

impl Drawn {
    fn read(file: &Path) -> Drawn {
        let svg = fs::read_to_string(file).unwrap();
        let doc =
            roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let num = |n: &roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
        let mut drawn = Drawn {
            texts: Vec::new(),
            lines: Vec::new(),
            circles: Vec::new(),
        };
        for n in doc.descendants() {
            match n.tag_name().name() {
                "text" => drawn.texts.push((
                    num(&n, "x"),
                    num(&n, "y"),
                    n.text().unwrap_or("").trim().to_string(),
                )),
                "polyline" => drawn.lines.push((
                    n.attribute("stroke").unwrap().to_string(),
                    num(&n, "stroke-width"),
                    n.attribute("points")
                        .unwrap()
                        .split_whitespace()
                        .map(|p| {
                            let (x, y) = p.split_once(',').unwrap();
                            (x.parse().unwrap(), y.parse().unwrap())
                        })
                        .collect(),
                )),
                "circle" => drawn.circles.push((
                    num(&n, "cx"),
                    num(&n, "cy"),
                    n.attribute("fill").unwrap_or("").to_string(),
                )),
                _ => {}
            }
        }
        drawn
    }

    fn has(&self, text: &str) -> bool {
        self.texts.iter().any(|(_, _, t)| t.contains(text))
    }

    fn all_text(&self) -> String {
        let texts: Vec<&str> = self.texts.iter().map(|(_, _, t)| t.as_str()).collect();
        texts.join("\n")
    }

    /// The points of every polyline of `colour` at least `width` wide,
    /// but the legend's swatches (24 pixels across).
    fn points(&self, colour: &str, width: f64) -> Vec<(f64, f64)> {
        let swatch = |p: &[(f64, f64)]| p.len() == 2 && p[0].1 == p[1].1 && p[1].0 - p[0].0 <= 26.0;
        self.lines
            .iter()
            .filter(|(c, w, p)| c == colour && *w >= width && !swatch(p))
            .flat_map(|(_, _, p)| p.iter().copied())
            .collect()
    }

    /// Where the text `label` is, the first time.
    fn at(&self, label: &str) -> (f64, f64) {
        self.texts
            .iter()
            .find(|(_, _, t)| t == label)
            .map(|(x, y, _)| (*x, *y))
            .unwrap_or_else(|| panic!("no text {label:?} in {}", self.all_text()))
    }

    /// Tick labels that repeat on one axis: a number written twice in a
    /// row at the same height (an x axis) or the same left edge (a y axis).
    fn repeated_ticks(&self) -> Vec<String> {
        let mut repeated = Vec::new();
        for (row, _) in self.axes() {
            for w in row.windows(2) {
                if w[0].2 == w[1].2 {
                    repeated.push(w[0].2.clone());
                }
            }
        }
        repeated
    }

    /// Neighbouring tick labels on one row so close that they overprint
    /// (a character of 14-15 px text is about 8 px wide).
    fn crowded_ticks(&self) -> Vec<(String, String)> {
        let mut crowded = Vec::new();
        for (row, along_x) in self.axes() {
            for w in row.windows(2) {
                let (a, b) = (&w[0], &w[1]);
                let room = if along_x {
                    4.0 * (a.2.chars().count() + b.2.chars().count()) as f64 + 4.0
                } else {
                    14.0
                };
                let apart = if along_x { b.0 - a.0 } else { b.1 - a.1 };
                if apart < room {
                    crowded.push((a.2.clone(), b.2.clone()));
                }
            }
        }
        crowded
    }

    /// The numbers written in a row (same height) or a column (same x),
    /// each ordered along it, and whether the row runs along x.
    fn axes(&self) -> Vec<(Vec<Text>, bool)> {
        let numbers: Vec<(f64, f64, String)> = self
            .texts
            .iter()
            .filter(|(_, _, t)| t.trim_end_matches('%').parse::<f64>().is_ok())
            .cloned()
            .collect();
        let mut axes = Vec::new();
        for along_x in [true, false] {
            let key = |t: &(f64, f64, String)| if along_x { t.1 } else { t.0 };
            let mut keys: Vec<f64> = numbers.iter().map(key).collect();
            keys.sort_by(f64::total_cmp);
            keys.dedup();
            for k in keys {
                let mut row: Vec<(f64, f64, String)> = numbers
                    .iter()
                    .filter(|t| (key(t) - k).abs() < 0.5)
                    .cloned()
                    .collect();
                if row.len() < 2 {
                    continue;
                }
                row.sort_by(|a, b| {
                    if along_x {
                        a.0.total_cmp(&b.0)
                    } else {
                        a.1.total_cmp(&b.1)
                    }
                });
                axes.push((row, along_x));
            }
        }
        axes
    }
}

/// The palette's colours as SVG writes them.
const BLUE: &str = "#1F77B4";
const ORANGE: &str = "#FF7F0E";
const GREEN: &str = "#2CA02C";
const RED: &str = "#D62728";

/// A number of a CSV file's first row.
fn first_row(file: &Path, column: &str) -> f64 {
    let mut r = csv::Reader::from_path(file).unwrap();
    let at = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == column)
        .unwrap();
    r.records().next().unwrap().unwrap()[at].parse().unwrap()
}

/// Issue 16, chart defect 1: the CDF is over every counted frame, so a run
/// that lost most of its frames levels off where its deliveries end, and
/// the legend says how many failed; a chart with nothing to draw says why.
#[test]
fn the_latency_cdf_counts_failed_frames_and_says_how_many() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("lossy");
    ok(p2c2g_into(
        "run",
        &repo("scenarios/poc.toml"),
        &out,
        &[
            "--set",
            "peers.0.reliability=0.2",
            "--set",
            "coordinator.max_attempts=1",
            "--set",
            "simulation.duration_s=5",
        ],
    ));
    let summary = out.join("summary.csv");
    let (frames, failed) = (
        first_row(&summary, "frames"),
        first_row(&summary, "frames_failed"),
    );
    assert!(failed / frames > 0.5, "{failed} of {frames}: the case");
    let cdf = Drawn::read(&out.join("charts/latency_cdf.svg"));
    let said = format!(
        "frames (creation to delivery), {:.0}% failed",
        100.0 * failed / frames
    );
    assert!(cdf.has(&said), "{said}: {}", cdf.all_text());
    // Where the frames' curve levels off, read on the axis's 0% and 100%.
    let (zero, full) = (cdf.at("0%").1, cdf.at("100%").1);
    let top = cdf
        .points(BLUE, 3.0)
        .iter()
        .map(|p| p.1)
        .fold(f64::INFINITY, f64::min);
    let share = (zero - top) / (zero - full);
    let delivered = 1.0 - failed / frames;
    assert!(
        (share - delivered).abs() < 0.02,
        "{share} against {delivered}"
    );
    assert!(cdf.has("(of delivered frames)"), "{}", cdf.all_text());

    // Nothing delivered: an empty chart that says why.
    let none = tmp.path().join("none");
    ok(p2c2g_into(
        "run",
        &repo("scenarios/poc.toml"),
        &none,
        &[
            "--set",
            "peers.0.reliability=0",
            "--set",
            "coordinator.max_attempts=1",
        ],
    ));
    let frames = first_row(&none.join("summary.csv"), "frames");
    let cdf = Drawn::read(&none.join("charts/latency_cdf.svg"));
    let why = format!("no frame was delivered: all {frames} counted frames failed");
    assert!(cdf.has(&why), "{why}: {}", cdf.all_text());
    assert!(cdf.points(BLUE, 3.0).is_empty());
}

/// Issue 16, chart defect 3: a deadline far past every latency (the
/// textbook queues' 1e6 ms) does not stretch the latency axis: it is said
/// in the legend, and the ticks neither crowd nor repeat.
#[test]
fn a_far_deadline_is_said_not_drawn_and_ticks_do_not_crowd() {
    let tmp = tempfile::tempdir().unwrap();
    ok(p2c2g_into(
        "run",
        &repo("scenarios/textbook/mm1.toml"),
        tmp.path(),
        &["--set", "simulation.duration_s=50"],
    ));
    for chart in ["latency_cdf", "latency_by_group"] {
        let drawn = Drawn::read(&tmp.path().join(format!("charts/{chart}.svg")));
        // The x ticks: numbers on the row of the "10" tick.
        let row = drawn.at("10").1;
        let ticks: Vec<f64> = drawn
            .texts
            .iter()
            .filter(|(_, y, _)| (y - row).abs() < 0.5)
            .filter_map(|(_, _, t)| t.parse().ok())
            .collect();
        assert!(
            drawn.crowded_ticks().is_empty(),
            "{chart}: {:?}",
            drawn.crowded_ticks()
        );
        let top = ticks.iter().copied().fold(0.0, f64::max);
        assert!(top < 10_000.0, "{chart}: the axis reaches {top}");
        assert!(
            drawn.repeated_ticks().is_empty(),
            "{chart}: {:?}",
            drawn.repeated_ticks()
        );
    }
    let cdf = Drawn::read(&tmp.path().join("charts/latency_cdf.svg"));
    assert!(
        cdf.has("deadline 1000000 ms (far right of the chart)"),
        "{}",
        cdf.all_text()
    );
}

/// Issue 16, chart defect 3: timeouts have a panel of their own scale, so
/// a few dozen a second beside thousands of attempts are a visible line;
/// the on-time panel leaves out the sparse windows of the drain, where it
/// plunged to 0%.
#[test]
fn timeouts_show_and_sparse_windows_do_not_plunge() {
    let tmp = tempfile::tempdir().unwrap();
    ok(p2c2g_into(
        "run",
        &repo("scenarios/baseline.toml"),
        tmp.path(),
        &["--set", "simulation.duration_s=10"],
    ));
    let attempts = Drawn::read(&tmp.path().join("charts/attempts.svg"));
    assert!(attempts.has("failovers (orange) and timeouts (red), on a scale of their own"));
    let timeouts = attempts.points(RED, 2.0);
    let (lo, hi) = timeouts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    assert!(hi - lo > 20.0, "the timeouts span {} pixels", hi - lo);

    let series = Drawn::read(&tmp.path().join("charts/timeseries.svg"));
    assert!(series.has("left out"), "{}", series.all_text());
    // The on-time line stays above its panel's 50% tick (the last "50").
    let fifty = series
        .texts
        .iter()
        .filter(|(_, _, t)| t == "50")
        .map(|(_, y, _)| *y)
        .fold(0.0, f64::max);
    let lowest = series
        .points(GREEN, 2.0)
        .iter()
        .map(|p| p.1)
        .fold(0.0, f64::max);
    assert!(
        lowest < fifty,
        "the on-time line reaches {lowest}, 50% is at {fifty}"
    );
}

/// Issue 16, chart defect 3: the peers chart's ticks do not repeat, a
/// lone peer's dot sits at its reliability, and one peer is "1 peer".
#[test]
fn the_peers_chart_has_distinct_ticks_and_a_lone_dot_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    ok(p2c2g_into(
        "run",
        &repo("scenarios/textbook/mm1.toml"),
        tmp.path(),
        &["--set", "simulation.duration_s=20"],
    ));
    let peers = Drawn::read(&tmp.path().join("charts/peers.svg"));
    assert!(
        peers.repeated_ticks().is_empty(),
        "{:?}",
        peers.repeated_ticks()
    );
    assert!(peers.has("utilisation (1 peer)"), "{}", peers.all_text());
    assert!(!peers.all_text().contains("1 peers"));
    // The dot of the one peer (reliability 1) is under the tick "1.000".
    let (tick_x, _) = peers.at("1.000");
    let dot = peers.circles.iter().find(|c| c.2 == BLUE).unwrap();
    assert!(
        (dot.0 - tick_x).abs() <= 2.0,
        "dot at {}, tick at {tick_x}",
        dot.0
    );
    let (check, _) = ok(p2c2g(&[
        "check",
        repo("scenarios/textbook/mm1.toml").to_str().unwrap(),
    ]));
    assert!(check.contains("(1 renter, 1 peer)"), "{check}");
}

/// Draws a sweep of two keys over `poc.toml` in `dir` (with runs that
/// deliver nothing: no p99) and returns its folder.
fn two_key_sweep(dir: &Path, grid: &str) -> std::path::PathBuf {
    let file = dir.join("two.toml");
    fs::write(
        &file,
        format!(
            "[sweep]\nname = \"two\"\nscenario = {:?}\nreplications = 3\n\
             [sweep.set]\n\"simulation.duration_s\" = 2.0\n\"coordinator.max_attempts\" = 1\n\
             [sweep.grid]\n{grid}",
            repo("scenarios/poc.toml").to_str().unwrap()
        ),
    )
    .unwrap();
    let out = dir.join("out");
    ok(p2c2g_into("sweep", &file, &out, &[]));
    out
}

/// Issue 16, chart defect 2: sibling charts of a sweep give a series the
/// same colour and place in the legend even where it has no value; labels
/// are words with units; shares are in percent.
#[test]
fn sweep_charts_keep_their_series_colours_and_read_as_words() {
    let tmp = tempfile::tempdir().unwrap();
    let out = two_key_sweep(
        tmp.path(),
        "\"peers.0.count\" = [3, 5]\n\"peers.0.reliability\" = [0.0, 1.0]\n",
    );
    // reliability 0: no frame is delivered, so no p99.
    let p99 = Drawn::read(&out.join("charts/frame_latency_p99_ms.svg"));
    let rate = Drawn::read(&out.join("charts/deadline_hit_rate.svg"));
    // The legend, right of the plot: the key, then each value, in the
    // same order in both charts.
    let legend = |d: &Drawn| -> Vec<String> {
        let mut entries: Vec<&(f64, f64, String)> =
            d.texts.iter().filter(|t| t.0 > 1000.0).collect();
        entries.sort_by(|a, b| a.1.total_cmp(&b.1));
        entries.iter().map(|t| t.2.clone()).collect()
    };
    assert_eq!(legend(&rate), ["peers.0.reliability", "0.0", "1.0"]);
    assert_eq!(
        legend(&p99),
        ["peers.0.reliability", "0.0 (no value)", "1.0"]
    );
    // Series 1.0 is orange in both, series 0.0 blue (in the legend, at
    // least, where it has no points).
    for chart in [&p99, &rate] {
        assert!(chart.circles.iter().any(|c| c.2 == ORANGE));
        assert!(chart.circles.iter().any(|c| c.2 == BLUE));
    }
    let blue_dots = |d: &Drawn| d.circles.iter().filter(|c| c.2 == BLUE).count();
    assert_eq!(blue_dots(&p99), 1, "only the legend's dot");
    assert_eq!(blue_dots(&rate), 3, "two points and the legend's dot");
    // Words and units, not column names.
    assert!(p99.has("p99 frame latency (ms), mean and 95% interval"));
    assert!(!p99.all_text().contains("frame_latency_p99_ms (ms)"));
    assert!(rate.has("frames on time (%), mean and 95% interval"));
    // A share in percent, as run charts draw it: ticks up to 100.
    let util = Drawn::read(&out.join("charts/utilization.svg"));
    assert!(util.has("peer utilisation (%), mean and 95% interval"));
    let ticks: Vec<f64> = util
        .texts
        .iter()
        .filter_map(|(_, _, t)| t.parse::<f64>().ok())
        .collect();
    assert!(ticks.iter().any(|t| *t >= 5.0), "{ticks:?}");
    for chart in [
        "frame_latency_p99_ms",
        "deadline_hit_rate",
        "utilization",
        "failovers_per_frame",
    ] {
        let d = Drawn::read(&out.join(format!("charts/{chart}.svg")));
        assert!(
            d.repeated_ticks().is_empty(),
            "{chart}: {:?}",
            d.repeated_ticks()
        );
    }
}

/// Issue 16, chart defect 2: a categorical x axis labels every category,
/// joins none of them by a line, and dodges the series at each so that
/// no error bar hides another; a sweep with no grid has sane ticks.
#[test]
fn categories_are_all_labelled_unjoined_and_dodged() {
    let tmp = tempfile::tempdir().unwrap();
    let out = two_key_sweep(
        tmp.path(),
        "\"coordinator.policy\" = [\"random\", \"least_loaded\"]\n\"peers.0.count\" = [3, 5]\n",
    );
    // x is the first numeric key; plotted against the policy instead:
    ok(p2c2g(&[
        "plot",
        out.to_str().unwrap(),
        "--x",
        "coordinator.policy",
        "--metrics",
        "deadline_hit_rate",
    ]));
    let d = Drawn::read(&out.join("charts/deadline_hit_rate.svg"));
    assert!(d.has("random") && d.has("least_loaded"), "{}", d.all_text());
    assert!(d.has("against coordinator.policy"));
    assert!(d.points(BLUE, 2.0).is_empty(), "no line joins categories");
    assert!(d.points(ORANGE, 2.0).is_empty(), "no line joins categories");
    // The two series' dots at one category are apart.
    let dots = |colour: &str| -> Vec<f64> {
        let mut xs: Vec<f64> = d
            .circles
            .iter()
            .filter(|c| c.2 == colour && c.0 > 150.0 && c.0 < 950.0)
            .map(|c| c.0)
            .collect();
        xs.sort_by(f64::total_cmp);
        xs
    };
    let (blue, orange) = (dots(BLUE), dots(ORANGE));
    assert_eq!((blue.len(), orange.len()), (2, 2), "{blue:?} {orange:?}");
    for (b, o) in blue.iter().zip(&orange) {
        assert!((b - o).abs() >= 5.0, "dodged: {b} and {o}");
    }

    // No grid: one point, its x axis ticked once, not in fractions.
    let file = tmp.path().join("none.toml");
    fs::write(
        &file,
        format!(
            "[sweep]\nname = \"none\"\nscenario = {:?}\nreplications = 2\n\
             [sweep.set]\n\"simulation.duration_s\" = 1.0\n",
            repo("scenarios/poc.toml").to_str().unwrap()
        ),
    )
    .unwrap();
    let none = tmp.path().join("none");
    ok(p2c2g_into("sweep", &file, &none, &[]));
    let d = Drawn::read(&none.join("charts/deadline_hit_rate.svg"));
    let text = d.all_text();
    assert!(
        !text.contains("0.19999") && !text.contains("-0.2"),
        "{text}"
    );
    assert!(d.repeated_ticks().is_empty(), "{:?}", d.repeated_ticks());
}

/// Issue 16, chart defect 4: `plot` keeps the format the folder was drawn
/// in, takes --format, and for a sweep --metrics and --x; what it cannot
/// draw is bad input (exit 2).
#[test]
fn plot_keeps_the_format_and_takes_metrics_and_x() {
    let tmp = tempfile::tempdir().unwrap();
    run(tmp.path(), &["--format", "png"]);
    let charts = tmp.path().join("charts");
    fs::remove_file(charts.join("peers.png")).unwrap();
    let (stdout, _) = ok(p2c2g(&["plot", tmp.path().to_str().unwrap()]));
    assert!(stdout.lines().all(|l| l.ends_with(".png")), "{stdout}");
    assert!(charts.join("peers.png").exists() && !charts.join("peers.svg").exists());
    let (stdout, _) = ok(p2c2g(&[
        "plot",
        tmp.path().to_str().unwrap(),
        "--format",
        "svg",
    ]));
    assert!(stdout.lines().all(|l| l.ends_with(".svg")), "{stdout}");
    let refused = p2c2g(&["plot", tmp.path().to_str().unwrap(), "--x", "peers.0.count"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a sweep's folder"));

    let out = two_key_sweep(
        tmp.path(),
        "\"coordinator.policy\" = [\"random\", \"least_loaded\"]\n\"peers.0.count\" = [3, 5]\n",
    );
    let (stdout, _) = ok(p2c2g(&[
        "plot",
        out.to_str().unwrap(),
        "--metrics",
        "timeouts,frame_latency_p50_ms",
    ]));
    let files: Vec<&str> = stdout.lines().collect();
    assert_eq!(files.len(), 2, "{stdout}");
    assert!(files[0].ends_with("charts/timeouts.svg") && files[1].ends_with("p50_ms.svg"));
    let d = Drawn::read(&out.join("charts/timeouts.svg"));
    assert!(d.has("against peers.0.count"), "{}", d.all_text());
    for (args, says) in [
        (
            &["--x", "peers.1.count"][..],
            "--x peers.1.count: not a key of the sweep",
        ),
        (&["--metrics", "latency"][..], "--metrics latency: "),
    ] {
        let mut all = vec!["plot", out.to_str().unwrap()];
        all.extend_from_slice(args);
        let refused = p2c2g(&all);
        assert_eq!(refused.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains("panicked"));
    }
}

/// After looking at every bundled chart: a key that grows by factors
/// (hedging's 10 to 320 ms) gets a log axis, so its small values are not
/// crowded; an interval far above every mean (a p99 from two runs) is cut
/// at the frame with its bound written, instead of flattening the rest.
#[test]
fn a_geometric_key_is_on_a_log_axis_and_a_wild_interval_is_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let out = two_key_sweep(
        tmp.path(),
        "\"coordinator.timeout_ms\" = [10, 20, 40, 80, 160, 320]\n\"peers.0.count\" = [3, 5]\n",
    );
    let d = Drawn::read(&out.join("charts/deadline_hit_rate.svg"));
    assert!(
        d.has("coordinator.timeout_ms (log scale)"),
        "{}",
        d.all_text()
    );
    // Equal factors, equal distances: 10 to 20 as far as 160 to 320.
    // On the x axis: the row of the tick "320".
    let row = d.at("320").1;
    let x = |label: &str| {
        d.texts
            .iter()
            .find(|t| t.2 == label && (t.1 - row).abs() < 0.5)
            .map(|t| t.0)
            .unwrap()
    };
    let (low, high) = (x("20") - x("10"), x("320") - x("160"));
    assert!((low - high).abs() <= 2.0, "{low} against {high}");
    // A share's axis has no tick past 100%.
    let ticks: Vec<f64> = d
        .texts
        .iter()
        .filter(|t| t.0 < 120.0)
        .filter_map(|t| t.2.parse().ok())
        .collect();
    assert!(ticks.iter().all(|t| *t <= 100.0), "{ticks:?}");

    // One point's p99 interval made to reach 50 times its mean.
    let file = out.join("points.csv");
    let mut r = csv::Reader::from_path(&file).unwrap();
    let header = r.headers().unwrap().clone();
    let at = |c: &str| header.iter().position(|h| h == c).unwrap();
    let (mean, high) = (
        at("frame_latency_p99_ms_mean"),
        at("frame_latency_p99_ms_ci95_high"),
    );
    let mut rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    let row = rows
        .iter()
        .position(|r| r[mean].parse::<f64>().is_ok())
        .expect("a point with a p99");
    let wild: f64 = rows[row][mean].parse::<f64>().unwrap() * 50.0;
    rows[row][high] = wild.to_string();
    let mut w = csv::Writer::from_path(&file).unwrap();
    w.write_record(&header).unwrap();
    for row in &rows {
        w.write_record(row).unwrap();
    }
    w.flush().unwrap();
    ok(p2c2g(&[
        "plot",
        out.to_str().unwrap(),
        "--metrics",
        "frame_latency_p99_ms",
    ]));
    let d = Drawn::read(&out.join("charts/frame_latency_p99_ms.svg"));
    let said = d
        .texts
        .iter()
        .find_map(|t| t.2.strip_prefix("to "))
        .unwrap_or_else(|| panic!("no bound written: {}", d.all_text()));
    let said: f64 = said.parse().unwrap();
    assert!((said - wild).abs() / wild < 1e-3, "{said} against {wild}");
    let top = d
        .texts
        .iter()
        .filter(|t| t.0 < 120.0)
        .filter_map(|t| t.2.replace(',', "").parse::<f64>().ok())
        .fold(0.0, f64::max);
    assert!(top < wild / 5.0, "the axis reaches {top}: not cut");
}

/// After looking: peers of equal reliability 1 spread inwards only (no dot
/// right of 1), a group that completed no task is in the latency legend,
/// and legends go where the dots are not.
#[test]
fn dots_stay_within_reliability_and_every_group_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    ok(p2c2g_into(
        "run",
        &repo("scenarios/textbook/mmc.toml"),
        tmp.path(),
        &["--set", "simulation.duration_s=10"],
    ));
    let peers = Drawn::read(&tmp.path().join("charts/peers.svg"));
    // The left panel's tick "1.000" and its dots (ten peers, all at 1).
    let one = peers
        .texts
        .iter()
        .filter(|t| t.2 == "1.000")
        .map(|t| t.0)
        .fold(f64::INFINITY, f64::min);
    let dots: Vec<f64> = peers
        .circles
        .iter()
        .filter(|c| c.2 == BLUE && c.0 > 150.0 && c.0 < 560.0)
        .map(|c| c.0)
        .collect();
    assert_eq!(dots.len(), 10, "{dots:?}");
    assert!(dots.iter().all(|x| *x <= one + 0.5), "{dots:?}, 1 at {one}");
    assert!(dots.iter().any(|x| *x < one - 5.0), "spread: {dots:?}");

    let trust = tmp.path().join("trust");
    ok(p2c2g_into(
        "run",
        &repo("scenarios/trust.toml"),
        &trust,
        &[],
    ));
    let by_group = Drawn::read(&trust.join("charts/latency_by_group.svg"));
    assert!(
        by_group.has("liar: no task completed"),
        "{}",
        by_group.all_text()
    );
}

/// After looking (the forgetting sweep): shares all within a tenth of a
/// point of 100% fill the plot, rather than a third of it under a margin
/// of 1% of the value.
#[test]
fn shares_near_one_hundred_percent_fill_the_plot() {
    let tmp = tempfile::tempdir().unwrap();
    let out = two_key_sweep(
        tmp.path(),
        "\"peers.0.count\" = [3, 5]\n\"coordinator.policy\" = [\"random\", \"least_loaded\"]\n",
    );
    let file = out.join("points.csv");
    let mut r = csv::Reader::from_path(&file).unwrap();
    let header = r.headers().unwrap().clone();
    let at = |c: &str| header.iter().position(|h| h == c).unwrap();
    let mut rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    for (i, row) in rows.iter_mut().enumerate() {
        let mean = 0.9999 - i as f64 * 0.0002;
        row[at("deadline_hit_rate_mean")] = mean.to_string();
        row[at("deadline_hit_rate_ci95_low")] = (mean - 0.0003).to_string();
        row[at("deadline_hit_rate_ci95_high")] = 1.0f64.min(mean + 0.0001).to_string();
    }
    let mut w = csv::Writer::from_path(&file).unwrap();
    w.write_record(&header).unwrap();
    for row in &rows {
        w.write_record(row).unwrap();
    }
    w.flush().unwrap();
    ok(p2c2g(&[
        "plot",
        out.to_str().unwrap(),
        "--metrics",
        "deadline_hit_rate",
    ]));
    let d = Drawn::read(&out.join("charts/deadline_hit_rate.svg"));
    let ticks: Vec<f64> = d
        .texts
        .iter()
        .filter(|t| t.0 < 120.0)
        .filter_map(|t| t.2.parse::<f64>().ok())
        .collect();
    let (lo, hi) = ticks
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| {
            (a.min(*t), b.max(*t))
        });
    assert!(ticks.len() >= 3, "{ticks:?}");
    assert!(lo > 99.8 && hi <= 100.0, "ticks {ticks:?}");
}
