//! Sweep files: a base scenario, overrides for every run, a grid of values
//! and a number of replications. Loading one checks it whole: every point
//! of the grid is validated as a scenario before anything runs.

use std::path::{Path, PathBuf};

use super::doc::{self, Node, Value};
use super::error::{line_col, nearest, Diagnostic, Origin, ScenarioError};
use super::read::Table;
use super::{Scenario, Source};

/// Most points a grid may have.
const MAX_POINTS: usize = 1_000_000;

/// A sweep, expanded: every point of its grid with its validated scenario.
#[derive(Clone, Debug)]
pub struct SweepFile {
    pub path: PathBuf,
    pub name: String,
    pub replications: u32,
    /// The grid's keys, in file order.
    pub keys: Vec<String>,
    /// Points in grid order: the last key varies fastest.
    pub points: Vec<SweepPoint>,
    /// Metrics to chart, by their column in runs.csv.
    pub metrics: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct SweepPoint {
    /// This point's value of each grid key, as a user would write it.
    pub values: Vec<String>,
    pub scenario: Scenario,
}

fn invalid(d: Diagnostic) -> ScenarioError {
    ScenarioError::Invalid(Box::new(d))
}

impl SweepFile {
    /// Reads a sweep file. `metrics` are the names `metrics` may list, and
    /// `default_metrics` those charted when it lists none.
    pub fn load(
        path: &Path,
        metrics: &[String],
        default_metrics: &[&str],
    ) -> Result<SweepFile, ScenarioError> {
        let src = Source::read(path)?;
        let root = Table::open(&src, &src.doc, String::new(), &["sweep"]).map_err(invalid)?;
        let Some(sweep_node) = root.get("sweep") else {
            return Err(invalid(root.error_here(
                "missing [sweep]: a sweep file has a [sweep] table with `scenario` and a [sweep.grid]".into(),
            )));
        };
        let sweep = Table::open(
            &src,
            sweep_node,
            "sweep".into(),
            &["name", "scenario", "replications", "grid", "set", "metrics"],
        )
        .map_err(invalid)?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sweep".into());
        let name = sweep.name("name", stem).map_err(invalid)?;
        let replications = sweep
            .whole("replications", 1, 1, 100_000)
            .map_err(invalid)? as u32;
        let Some(base_node) = sweep.get("scenario") else {
            return Err(invalid(sweep.error_here(
                "missing `scenario`: the scenario file to sweep, relative to this file".into(),
            )));
        };
        let base_path = path
            .parent()
            .unwrap_or(Path::new(""))
            .join(sweep.string(base_node, "scenario").map_err(invalid)?);
        let mut base = Source::read(&base_path).map_err(|e| match e {
            ScenarioError::Read { file, source, .. } => ScenarioError::Read {
                file,
                named_by: Some(format!(
                    "`sweep.scenario` in {}",
                    where_(&src, &base_node.origin)
                )),
                source,
            },
            e => e,
        })?;

        let fixed = entries(&sweep, "set")?;
        for (key, key_origin, node) in &fixed {
            let origin = Origin::Set(format!("`sweep.set.{key}` in {}", where_(&src, key_origin)));
            base.set_node(key, doc::relabel(node.clone(), &origin))
                .map_err(|m| invalid(located(&src, key_origin, format!("sweep.set.{key}"), m)))?;
        }

        let grid = entries(&sweep, "grid")?;
        let mut axes: Vec<(String, Origin, Vec<Node>)> = Vec::new();
        for (key, key_origin, node) in grid {
            let values = match &node.value {
                Value::Array(items) if !items.is_empty() => items.clone(),
                other => {
                    return Err(invalid(located(
                        &src,
                        &node.origin,
                        format!("sweep.grid.{key}"),
                        format!(
                            "expected a non-empty list of values, found {}",
                            other.describe()
                        ),
                    )))
                }
            };
            axes.push((key, key_origin, values));
        }
        let count = axes
            .iter()
            .try_fold(1usize, |n, (_, _, v)| n.checked_mul(v.len()));
        if count.is_none_or(|n| n > MAX_POINTS) {
            return Err(invalid(sweep.error_at(
                "grid",
                format!("the grid has more than {MAX_POINTS} points"),
            )));
        }

        let mut points = Vec::new();
        for combination in product(&axes.iter().map(|a| a.2.len()).collect::<Vec<_>>()) {
            let mut source = base.clone();
            let mut values = Vec::new();
            for ((key, key_origin, choices), &i) in axes.iter().zip(&combination) {
                let node = &choices[i];
                let text = doc::value_text(node);
                let origin = Origin::Set(format!(
                    "the grid value {key} = {text} in {}",
                    where_(&src, &node.origin)
                ));
                source
                    .set_node(key, doc::relabel(node.clone(), &origin))
                    .map_err(|m| {
                        invalid(located(&src, key_origin, format!("sweep.grid.{key}"), m))
                    })?;
                values.push(text);
            }
            points.push(SweepPoint {
                values,
                scenario: source.validate()?,
            });
        }

        let chosen = match sweep.get("metrics") {
            None => default_metrics.iter().map(|m| m.to_string()).collect(),
            Some(node) => {
                let Value::Array(items) = &node.value else {
                    return Err(invalid(sweep.error(
                        node,
                        "metrics",
                        format!(
                            "expected a list of metric names, found {}",
                            node.value.describe()
                        ),
                    )));
                };
                let mut chosen = Vec::new();
                for item in items {
                    let m = sweep.string(item, "metrics").map_err(invalid)?;
                    if !metrics.iter().any(|k| k == m) {
                        let hint = nearest(m, metrics.iter().map(String::as_str))
                            .map(|n| format!(" (did you mean `{n}`?)"))
                            .unwrap_or_default();
                        return Err(invalid(sweep.error(
                            item,
                            "metrics",
                            format!("`{m}` is not a column of runs.csv{hint}"),
                        )));
                    }
                    chosen.push(m.to_string());
                }
                chosen
            }
        };

        Ok(SweepFile {
            path: path.to_path_buf(),
            name,
            replications,
            keys: axes.into_iter().map(|a| a.0).collect(),
            points,
            metrics: chosen,
        })
    }
}

/// The entries of an optional sub-table whose keys are key paths.
fn entries(sweep: &Table<'_>, key: &str) -> Result<Vec<(String, Origin, Node)>, ScenarioError> {
    match sweep.get(key) {
        None => Ok(Vec::new()),
        Some(Node {
            value: Value::Table(entries),
            ..
        }) => Ok(entries
            .iter()
            .map(|e| (e.key.clone(), e.key_origin.clone(), e.node.clone()))
            .collect()),
        Some(node) => Err(invalid(sweep.error(
            node,
            key,
            format!(
                "expected a table of key paths, e.g. \"coordinator.policy\" = [\"random\", \"least_loaded\"], found {}",
                node.value.describe()
            ),
        ))),
    }
}

/// "sweep.toml:5:1", for an origin in the sweep file.
fn where_(src: &Source, origin: &Origin) -> String {
    match origin {
        Origin::File(span) => {
            let (l, c) = line_col(&src.text, span.start);
            format!("{}:{l}:{c}", src.path.display())
        }
        _ => src.path.display().to_string(),
    }
}

fn located(src: &Source, origin: &Origin, key: String, message: String) -> Diagnostic {
    Diagnostic {
        file: src.path.clone(),
        line_col: match origin {
            Origin::File(span) => Some(line_col(&src.text, span.start)),
            _ => None,
        },
        set: None,
        key: Some(key),
        message,
    }
}

/// Every combination of indices below `sizes`, the last varying fastest.
fn product(sizes: &[usize]) -> Vec<Vec<usize>> {
    let mut all = vec![Vec::new()];
    for &n in sizes {
        all = all
            .into_iter()
            .flat_map(|prefix| {
                (0..n).map(move |i| {
                    let mut v = prefix.clone();
                    v.push(i);
                    v
                })
            })
            .collect();
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_order_is_nested_loops_in_file_order() {
        assert_eq!(
            product(&[2, 3]),
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![0, 2],
                vec![1, 0],
                vec![1, 1],
                vec![1, 2]
            ]
        );
        assert_eq!(product(&[]), vec![Vec::<usize>::new()]);
    }
}
