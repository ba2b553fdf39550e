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

#[test]
fn plot_of_a_folder_without_results_fails_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = p2c2g(&["plot", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("summary.csv"), "{stderr}");
    assert!(!stderr.contains("panicked"));
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
        draw_sweep(d, Format::Svg)
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
            let drawn = draw_sweep(tmp.path(), format);
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
