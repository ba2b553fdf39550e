//! `p2c2g report DIR`: one self-contained report.html, checked as text
//! (every chart inline, the scenario, the tables, nothing fetched) and as
//! a page: headless Chromium opens it, and its screenshot is not blank,
//! its DOM holds every chart, and its console says nothing (the page's
//! Content-Security-Policy turns any fetch into a console error).
//!
//! Chromium: `chromium` on the PATH (Debian's package; `.ci/run` installs
//! it). Without it these checks are skipped with a loud message, unless
//! `P2C2G_REQUIRE_CHROMIUM` is set (as `.ci/run` sets it), when its absence
//! fails the test.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// The browser, if there is one.
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join(name))
                    .find(|p| p.is_file())
            })
        });
    if found.is_none() {
        let required = std::env::var_os("P2C2G_REQUIRE_CHROMIUM").is_some_and(|v| v != "0");
        assert!(
            !required,
            "P2C2G_REQUIRE_CHROMIUM is set and no chromium is on the PATH (apt-get install chromium)"
        );
        eprintln!(
            "\n*** SKIPPED: no chromium on the PATH: report.html was checked as text only, not \
             rendered. Install it (apt-get install chromium) or run .ci/run. ***\n"
        );
    }
    found
}

/// What Chromium made of a page.
struct Rendered {
    /// The console's messages (Chromium logs them as `INFO:CONSOLE`).
    console: Vec<String>,
    /// The screenshot's pixels, RGB(A), and its size.
    pixels: Vec<u8>,
    channels: usize,
    /// The DOM after loading.
    dom: String,
}

/// Runs Chromium headless on `page` with `args`, in a process group of
/// its own, killed whole after two minutes; returns its standard output
/// and error (written to files: Chromium logs much, and a full pipe would
/// stop it).
fn headless(browser: &Path, page: &Path, args: &[&str]) -> (String, String) {
    use std::os::unix::process::CommandExt;
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let (out, err) = (profile.path().join("out"), profile.path().join("err"));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ))
        .args(args)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out).unwrap())
        .stderr(fs::File::create(&err).unwrap())
        .process_group(0)
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            panic!(
                "chromium did not finish with {} in two minutes",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium: {status:?}");
    (
        fs::read_to_string(out).unwrap_or_default(),
        fs::read_to_string(err).unwrap_or_default(),
    )
}

/// Opens `page` in Chromium: a screenshot 1280 wide and the DOM.
fn render(browser: &Path, page: &Path) -> Rendered {
    let shots = tempfile::tempdir().unwrap();
    let shot = shots.path().join("shot.png");
    let (_, stderr) = headless(
        browser,
        page,
        &[
            "--window-size=1280,2400",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let mut console: Vec<String> = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect();
    let decoder = png::Decoder::new(fs::File::open(&shot).expect("a screenshot"));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    pixels.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    let (dom, stderr) = headless(browser, page, &["--dump-dom"]);
    console.extend(
        stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(String::from),
    );
    Rendered {
        console,
        pixels,
        channels,
        dom,
    }
}

impl Rendered {
    /// The share of pixels that are not white, and how many colours.
    fn ink(&self) -> (f64, usize) {
        let px: Vec<&[u8]> = self.pixels.chunks(self.channels).collect();
        let inked = px
            .iter()
            .filter(|p| p[..3].iter().any(|&c| c < 235))
            .count();
        let colours: std::collections::BTreeSet<&[u8]> = px.iter().map(|p| &p[..3]).collect();
        (inked as f64 / px.len() as f64, colours.len())
    }
}

/// The checks every report passes as text: one file, no fetch, no script.
fn self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">"
    ));
    for fetch in [
        "<script", "<link", " src=", "url(", "@import", "<img", "<iframe",
    ] {
        assert!(!html.contains(fetch), "{fetch} in the report");
    }
    // Links only within the page.
    for (i, _) in html.match_indices("href=\"") {
        assert_eq!(&html[i + 6..i + 7], "#", "{}", &html[i..i + 40]);
    }
}

#[test]
fn a_run_report_holds_everything_and_renders_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    ok(p2c2g_into(
        "run",
        &repo("scenarios/baseline.toml"),
        &dir,
        &["--set", "simulation.duration_s=8"],
    ));
    let (stdout, _) = ok(p2c2g(&["report", dir.to_str().unwrap()]));
    let page = dir.join("report.html");
    assert_eq!(stdout.trim(), page.to_str().unwrap());
    let html = fs::read_to_string(&page).unwrap();
    self_contained(&html);
    // Every chart the run draws, inline.
    let charts: Vec<String> = fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".svg").map(String::from))
        .collect();
    assert_eq!(charts.len(), 5);
    assert_eq!(html.matches("<svg ").count(), charts.len());
    for stem in &charts {
        assert!(
            html.contains(&format!("<figure id=\"chart-{stem}\">")),
            "{stem}"
        );
    }
    // The scenario as it ran, escaped, and the summary's numbers.
    let scenario = fs::read_to_string(dir.join("scenario.toml")).unwrap();
    let escaped = scenario
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    assert!(html.contains(&escaped));
    let summary = fs::read_to_string(dir.join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    let (header, row) = (lines.next().unwrap(), lines.next().unwrap());
    for (h, v) in header.split(',').zip(row.split(',')) {
        assert!(
            html.contains(&format!("<td>{h}</td><td class=\"n\">{v}</td>"))
                || html.contains(&format!("<td>{h}</td><td>{v}</td>")),
            "{h} = {v}"
        );
    }

    let Some(browser) = chromium() else { return };
    let seen = render(&browser, &page);
    assert!(seen.console.is_empty(), "console: {:?}", seen.console);
    let (ink, colours) = seen.ink();
    assert!(
        ink > 0.02 && colours > 50,
        "a blank page? ink {ink}, {colours} colours"
    );
    assert_eq!(
        seen.dom.matches("<svg ").count(),
        charts.len(),
        "the DOM's charts"
    );
    assert!(seen.dom.contains("baseline: latency distribution (CDF)"));
    eprintln!(
        "chromium: {} charts in the DOM, {:.1}% of the screenshot inked in {colours} colours, \
         no console message",
        charts.len(),
        100.0 * ink
    );
}

#[test]
fn a_sweep_report_has_its_points_differences_and_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    ok(p2c2g_into(
        "sweep",
        &repo("tests/golden/sweep.toml"),
        &dir,
        &[],
    ));
    let page = tmp.path().join("golden.html");
    ok(p2c2g(&[
        "report",
        dir.to_str().unwrap(),
        "--out",
        page.to_str().unwrap(),
    ]));
    let html = fs::read_to_string(&page).unwrap();
    self_contained(&html);
    assert_eq!(html.matches("<svg ").count(), 4, "one chart a metric");
    for section in ["id=\"points\"", "id=\"differences\"", "id=\"plan\""] {
        assert!(html.contains(section), "{section}");
    }
    // A row of the points table for each point; the plan; the sweep file
    // as it was read.
    let points = fs::read_to_string(dir.join("points.csv")).unwrap();
    assert_eq!(points.lines().count(), 5);
    assert!(html.contains("frames on time (%) (95% CI)"));
    let plan = fs::read_to_string(dir.join("sweep.toml")).unwrap();
    assert!(html.contains(&plan.replace('"', "&quot;")));
    assert!(html.contains("name = &quot;golden&quot;"));
    assert!(html.contains("reference = { &quot;coordinator.policy&quot; = &quot;score&quot; }"));

    let Some(browser) = chromium() else { return };
    let seen = render(&browser, &page);
    assert!(seen.console.is_empty(), "console: {:?}", seen.console);
    let (ink, colours) = seen.ink();
    assert!(
        ink > 0.02 && colours > 50,
        "a blank page? ink {ink}, {colours} colours"
    );
    assert_eq!(seen.dom.matches("<svg ").count(), 4);
}

/// The check can fail: a page that fetches something (blocked by the
/// policy) or logs an error is caught, and a blank page is.
#[test]
fn the_chromium_check_sees_a_fetch_an_error_and_a_blank_page() {
    let Some(browser) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    ok(p2c2g_into("run", &repo("scenarios/poc.toml"), &dir, &[]));
    ok(p2c2g(&["report", dir.to_str().unwrap()]));
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let fetching = tmp.path().join("fetching.html");
    fs::write(
        &fetching,
        html.replace("</body>", "<img src=\"https://example.com/x.png\"></body>"),
    )
    .unwrap();
    let seen = render(&browser, &fetching);
    assert!(
        seen.console
            .iter()
            .any(|l| l.contains("violates the following Content Security Policy")),
        "{:?}",
        seen.console
    );
    let blank = tmp.path().join("blank.html");
    fs::write(&blank, "<!DOCTYPE html><html><body></body></html>").unwrap();
    let seen = render(&browser, &blank);
    assert!(seen.console.is_empty());
    let (ink, _) = seen.ink();
    assert!(ink < 0.01, "{ink}");
}

#[test]
fn a_report_of_what_is_not_results_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    ok(p2c2g_into("run", &repo("scenarios/poc.toml"), &run, &[]));
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let cases: [(Vec<String>, &str); 4] = [
        (vec![s(&tmp.path().join("nope"))], "nope: no such folder"),
        (vec![s(&empty)], "holds neither a run's results"),
        (
            vec![s(&run), "--out".into(), s(&run.join("summary.csv"))],
            "a report is an .html file",
        ),
        (
            vec![s(&run), "--out".into(), s(&tmp.path().join("page.html"))],
            "exists and is not a p2c2g report",
        ),
    ];
    fs::write(tmp.path().join("page.html"), "<p>mine</p>").unwrap();
    for (args, says) in cases {
        let mut all = vec!["report"];
        all.extend(args.iter().map(String::as_str));
        let out = p2c2g(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{says} not in {stderr}");
    }
    assert_eq!(
        fs::read_to_string(tmp.path().join("page.html")).unwrap(),
        "<p>mine</p>"
    );
    assert!(!run.join("summary.html").exists());
}
