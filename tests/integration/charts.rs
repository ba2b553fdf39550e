//! Charts: every run draws them, each is a well-formed file with the title
//! and size it should have, and `p2c2g plot` redraws them from the CSV
//! files alone.

use std::fs;
use std::path::Path;

use p2c2g::output::charts::Chart;

use crate::common::*;

fn run(dir: &Path, extra: &[&str]) {
    let out = p2c2g_into("run", &repo("scenarios/poc.toml"), dir, extra);
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
