//! `p2c2g compare A B`: two runs' or two sweeps' headline metrics side by
//! side, with their differences, a table on the terminal and in
//! `compare.csv`, and charts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use p2c2g::output::charts::Format;
use p2c2g::output::compare::{self, Compared, Comparison, Shape};
use p2c2g::output::sweep::{aligned, is_share, stats::Estimate};

use super::{say, Out};

pub const EXAMPLES: &str = "Examples:\n  \
p2c2g compare results/baseline results/baseline-random\n      \
two runs: each headline metric in A and B and B - A; charts/latency_cdf.svg overlays their CDFs\n  \
p2c2g compare results/cost results/cost-busy --metrics cost_total,cost_wasted\n      \
two sweeps: matched point by point, differences paired by seed when both ran the same seeds";

/// Most points the terminal table shows; all are in compare.csv.
const TABLE_ROWS: usize = 40;

#[derive(clap::Args)]
pub struct Args {
    /// The first results folder (a run's or a sweep's), A.
    #[arg(value_name = "A")]
    a: PathBuf,
    /// The second, B, of the same kind; differences are B - A.
    #[arg(value_name = "B")]
    b: PathBuf,
    /// Where to write compare.csv and the charts [default: results/compare-<A>-<B>,
    /// after the two folders' names].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Chart format.
    #[arg(long, value_enum, default_value = "svg")]
    format: Format,
    /// Compare these metrics (columns of summary.csv or runs.csv), e.g. --metrics
    /// cost_total,energy_kwh [default: the headline metrics, latencies, failures, and
    /// cost, churn and trust's where both have them]. For sweeps, compare.csv has them
    /// all, the first two are shown on the terminal, and each is charted when chosen
    /// here (by default, the four headline ones: on-time rate, p99, failovers a frame,
    /// utilisation).
    #[arg(long, value_name = "METRIC[,METRIC]", value_delimiter = ',')]
    metrics: Option<Vec<String>>,
    /// Write into a folder that holds something else than an earlier comparison.
    #[arg(long)]
    force: bool,
    /// Only errors: no table.
    #[arg(long, short)]
    quiet: bool,
}

fn name(dir: &Path) -> String {
    std::fs::canonicalize(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "x".into())
}

/// A number of `metric` as the table shows it, with as many decimals as
/// the metric needs (the same for A, B and B - A); `signed` writes a plus.
fn shown(metric: &str, x: f64, signed: bool) -> String {
    let decimals = if is_share(metric) || metric.starts_with("cost") {
        4
    } else if metric == "failovers_per_frame" {
        3
    } else if !metric.ends_with("_ms") && x.fract() == 0.0 {
        // A count of one run.
        0
    } else {
        1
    };
    if signed {
        format!("{x:+.decimals$}")
    } else {
        format!("{x:.decimals$}")
    }
}

/// `mean [low, high]`, or `-` with no value.
fn estimate(metric: &str, e: &Estimate, signed: bool) -> String {
    let mut text = e.mean.map_or("-".into(), |m| shown(metric, m, signed));
    if let (Some(lo), Some(hi)) = (e.low, e.high) {
        text += &format!(
            " [{}, {}]",
            shown(metric, lo, signed),
            shown(metric, hi, signed)
        );
    }
    text
}

pub fn exec(args: Args) -> anyhow::Result<ExitCode> {
    let comparison = compare::compare(&args.a, &args.b, args.metrics.as_deref())?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("compare-{}-{}", name(&args.a), name(&args.b)))
    });
    let written = comparison.write(&out, args.format, args.force)?;
    if args.quiet {
        return Ok(ExitCode::SUCCESS);
    }
    let mut o = Out::new();
    say!(
        o,
        "compare: A = {}, B = {}",
        args.a.display(),
        args.b.display()
    )?;
    for line in table(&comparison) {
        say!(o, "  {line}")?;
    }
    let names: Vec<String> = written
        .iter()
        .filter_map(|f| f.strip_prefix(&out).ok())
        .map(|f| f.display().to_string())
        .collect();
    say!(o, "  results in {}/ ({})", out.display(), names.join(", "))?;
    Ok(ExitCode::SUCCESS)
}

/// The lines the terminal shows.
fn table(c: &Comparison) -> Vec<String> {
    match &c.shape {
        Shape::Runs { compared } => {
            let mut t = vec![["metric", "A", "B", "B - A"].map(String::from).to_vec()];
            for x in compared {
                let m = &x.metric;
                let relative = match (x.a.mean, x.difference.mean) {
                    (Some(a), Some(d)) if a != 0.0 => format!(" ({:+.1}%)", 100.0 * d / a),
                    _ => String::new(),
                };
                t.push(vec![
                    m.clone(),
                    estimate(m, &x.a, false),
                    estimate(m, &x.b, false),
                    format!("{}{relative}", estimate(m, &x.difference, true)),
                ]);
            }
            let mut lines = aligned(&t);
            lines.push(
                "one run each: no interval (sweeps over the same seeds, compared, give paired ones)"
                    .into(),
            );
            lines
        }
        Shape::Sweeps {
            keys,
            points,
            paired,
            only_a,
            only_b,
            replications,
            ..
        } => {
            let mut lines = vec![match paired {
                Ok(()) => format!(
                    "paired by seed: the replications of each point ran the same seeds in A and B \
                     ({} and {} replications), so B - A is over the pairs",
                    replications.0, replications.1
                ),
                Err(why) => format!("not paired: {why}; B - A has Welch's unpaired interval"),
            }];
            lines.push(format!(
                "{} point{} in common{}{}",
                points.len(),
                if points.len() == 1 { "" } else { "s" },
                if *only_a > 0 {
                    format!(", {only_a} only in A")
                } else {
                    String::new()
                },
                if *only_b > 0 {
                    format!(", {only_b} only in B")
                } else {
                    String::new()
                }
            ));
            // Two metrics fit a line: the first two chosen, or the on-time
            // rate and the p99.
            let shown: Vec<String> = if c.chosen {
                c.metrics.iter().take(2).cloned().collect()
            } else {
                ["deadline_hit_rate", "frame_latency_p99_ms"]
                    .into_iter()
                    .filter(|m| c.metrics.iter().any(|x| x == m))
                    .map(String::from)
                    .collect()
            };
            let mut head: Vec<String> = vec!["point".into()];
            head.extend(keys.iter().cloned());
            for m in &shown {
                head.push(format!("{m}: A"));
                head.push("B".into());
                head.push("B - A (95% CI)".into());
            }
            let mut t = vec![head];
            for p in points.iter().take(TABLE_ROWS) {
                let mut row = vec![p.point_a.clone()];
                row.extend(p.values.iter().cloned());
                for m in &shown {
                    let x: &Compared = p
                        .compared
                        .iter()
                        .find(|x| x.metric == *m)
                        .expect("compared");
                    row.push(
                        estimate(m, &x.a, false)
                            .split(' ')
                            .next()
                            .unwrap_or("")
                            .into(),
                    );
                    row.push(
                        estimate(m, &x.b, false)
                            .split(' ')
                            .next()
                            .unwrap_or("")
                            .into(),
                    );
                    row.push(estimate(m, &x.difference, true));
                }
                t.push(row);
            }
            lines.extend(aligned(&t));
            if points.len() > TABLE_ROWS {
                lines.push(format!(
                    "... and {} more points in compare.csv",
                    points.len() - TABLE_ROWS
                ));
            }
            lines
        }
    }
}
