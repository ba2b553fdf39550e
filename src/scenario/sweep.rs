//! Sweep files: a base scenario, overrides for every run, a grid of values,
//! keys zipped together and a number of replications. Loading one checks
//! it whole: what the sweep itself costs, then every point, validated as a
//! scenario (and its run's cost checked) before anything runs.
//!
//! The points are the product of the axes: one per grid key, in file
//! order, then one for the zip, whose keys take their i-th values together.
//! The last axis varies fastest, so a zip is crossed with the grid as one
//! more grid key placed after the grid's.
//!
//! Points are held lazily: the base scenario and each key's values, from
//! which a point's scenario is built when it is asked for, so a grid of a
//! million points costs its values, not a million scenarios.

use std::fmt;
use std::path::{Path, PathBuf};

use super::cost::{Limits, SweepCost};
use super::doc::{self, Node, Value};
use super::error::{line_col, nearest, shown, Diagnostic, Origin, ScenarioError};
use super::read::{Reader, Table};
use super::{read_input, Scenario, Source};

/// Most points a sweep may have.
const MAX_POINTS: usize = 1_000_000;

/// A sweep: its points (built on demand) and what to chart.
#[derive(Clone, Debug)]
pub struct SweepFile {
    pub path: PathBuf,
    pub name: String,
    pub replications: u32,
    /// The keys each point sets: the grid's, in file order, then the zip's.
    pub keys: Vec<String>,
    /// The zip's keys, in file order (the last of `keys`): they vary
    /// together, so a chart does not draw a line per value of each.
    pub zip: Vec<String>,
    /// Points in grid order: the last key varies fastest, the zip last.
    pub points: Points,
    /// Metrics to chart, by their column in runs.csv.
    pub metrics: Vec<String>,
    /// The reference of paired differences (`reference` in `[sweep]`, or
    /// `--reference`): each key it fixes and the value it fixes it to, as
    /// runs.csv writes it, in the order of `keys`. Naming one key of a zip
    /// fixes all of them. Empty: no reference.
    pub reference: Vec<(String, String)>,
}

/// One point of a sweep, built.
#[derive(Clone, Debug)]
pub struct SweepPoint {
    /// This point's value of each key, as a user would write it.
    pub values: Vec<String>,
    pub scenario: Scenario,
}

/// The points of a sweep, each built when asked for. Every point was
/// validated when the sweep was loaded.
#[derive(Clone)]
pub struct Points {
    /// The base scenario with `[sweep.set]` applied.
    base: Source,
    axes: Vec<Axis>,
    len: usize,
    /// Each point's `simulation.seed`: a run's seed is its point's plus
    /// the replication.
    seeds: Vec<u64>,
    limits: Limits,
}

/// One dimension of the points: a grid key, or the zip's keys, which all
/// have as many values and take their i-th values together.
#[derive(Clone)]
struct Axis {
    keys: Vec<AxisKey>,
}

/// A key of an axis and its values.
#[derive(Clone)]
struct AxisKey {
    key: String,
    /// Where the key is in the sweep file, for an error in applying it.
    at: Diagnostic,
    /// Each value, relabelled as coming from the sweep file, and its text.
    values: Vec<(Node, String)>,
}

impl Axis {
    /// Its number of values: the same for each of its keys.
    fn len(&self) -> usize {
        self.keys[0].values.len()
    }
}

impl fmt::Debug for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Points")
            .field("base", &self.base.path)
            .field(
                "axes",
                &self
                    .axes
                    .iter()
                    .flat_map(|a| &a.keys)
                    .map(|k| (&k.key, k.values.iter().map(|v| &v.1).collect::<Vec<_>>()))
                    .collect::<Vec<_>>(),
            )
            .field("len", &self.len)
            .finish()
    }
}

impl Points {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The index of each axis's value at point `i`: the last axis varies
    /// fastest.
    fn indices(&self, mut i: usize) -> Vec<usize> {
        let mut at = vec![0; self.axes.len()];
        for (k, axis) in self.axes.iter().enumerate().rev() {
            at[k] = i % axis.len();
            i /= axis.len();
        }
        at
    }

    /// Each key at point `i` and the index of its value there.
    fn keys_at(&self, i: usize) -> impl Iterator<Item = (&AxisKey, usize)> {
        self.axes
            .iter()
            .zip(self.indices(i))
            .flat_map(|(a, j)| a.keys.iter().map(move |k| (k, j)))
    }

    /// Point `i`'s value of each key (grid, then zip), as a user would
    /// write it.
    pub fn values(&self, i: usize) -> Vec<String> {
        self.keys_at(i)
            .map(|(k, j)| k.values[j].1.clone())
            .collect()
    }

    /// Point `i`'s `simulation.seed`.
    pub fn seed(&self, i: usize) -> u64 {
        self.seeds[i]
    }

    /// Point `i`'s scenario, before validation.
    fn source(&self, i: usize) -> Result<Source, ScenarioError> {
        let mut source = self.base.clone();
        for (key, j) in self.keys_at(i) {
            source
                .set_node(&key.key, key.values[j].0.clone())
                .map_err(|m| {
                    invalid(Diagnostic {
                        message: m,
                        ..key.at.clone()
                    })
                })?;
        }
        Ok(source)
    }

    /// Point `i`'s scenario, built and validated.
    pub fn scenario(&self, i: usize) -> Result<Scenario, ScenarioError> {
        self.source(i)?.validate_with(&self.limits.for_sweep_runs())
    }

    /// Point `i`, built. Every point was validated when the sweep was
    /// loaded, and building is deterministic, so this cannot fail.
    ///
    /// # Panics
    /// If `i` is not below [`len`](Self::len).
    pub fn get(&self, i: usize) -> SweepPoint {
        assert!(i < self.len, "point {i} of a sweep of {}", self.len);
        SweepPoint {
            values: self.values(i),
            scenario: self
                .scenario(i)
                .expect("every point was validated when the sweep was loaded"),
        }
    }
}

fn invalid(d: Diagnostic) -> ScenarioError {
    ScenarioError::Invalid(Box::new(d))
}

/// What the command line changes in a sweep: `--set` overrides applied to
/// every point after `[sweep.set]` (and before the grid), the base seed,
/// and the replications.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepOverrides {
    pub sets: Vec<String>,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
    /// `--reference KEY=VALUE[,KEY=VALUE...]`, instead of the file's.
    pub reference: Option<String>,
}

impl SweepFile {
    /// Reads a sweep file, with the default [`Limits`]. `metrics` are the
    /// names `metrics` may list, and `default_metrics` those charted when it
    /// lists none.
    pub fn load(
        path: &Path,
        metrics: &[String],
        default_metrics: &[&str],
    ) -> Result<SweepFile, ScenarioError> {
        SweepFile::load_with(path, metrics, default_metrics, &Limits::DEFAULT)
    }

    /// Reads a sweep file, checking its size, the sweep's cost and every
    /// run's against `limits`.
    pub fn load_with(
        path: &Path,
        metrics: &[String],
        default_metrics: &[&str],
        limits: &Limits,
    ) -> Result<SweepFile, ScenarioError> {
        SweepFile::load_overridden(
            path,
            metrics,
            default_metrics,
            limits,
            &SweepOverrides::default(),
        )
    }

    /// Reads a sweep file with the command line's `overrides`.
    pub fn load_overridden(
        path: &Path,
        metrics: &[String],
        default_metrics: &[&str],
        limits: &Limits,
        overrides: &SweepOverrides,
    ) -> Result<SweepFile, ScenarioError> {
        let bytes = read_input(path, limits)?;
        let src = Source::parse(path, Source::text(path, bytes)?)?;
        SweepFile::from_source(&src, metrics, default_metrics, limits, overrides)
    }

    /// A sweep from its text, as if read from `path` (its scenario is read
    /// relative to it).
    pub fn parse(
        path: &Path,
        text: String,
        metrics: &[String],
        default_metrics: &[&str],
        limits: &Limits,
    ) -> Result<SweepFile, ScenarioError> {
        let src = Source::parse(path, text)?;
        SweepFile::from_source(
            &src,
            metrics,
            default_metrics,
            limits,
            &SweepOverrides::default(),
        )
    }

    fn from_source(
        src: &Source,
        metrics: &[String],
        default_metrics: &[&str],
        limits: &Limits,
        overrides: &SweepOverrides,
    ) -> Result<SweepFile, ScenarioError> {
        let path = &src.path;
        let reader = Reader::new(src, limits);
        let root = reader.root();
        let sweep = root.table("sweep");
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sweep".into());
        let name = sweep.name("name", stem);
        let replications = sweep.whole("replications", 1, 1, 100_000) as u32;
        let replications = overrides.replications.unwrap_or(replications);
        let base_node = sweep.get("scenario");
        let set_node = sweep.get("set");
        let grid_node = sweep.get("grid");
        let zip_node = sweep.get("zip");
        let metrics_node = sweep.get("metrics");
        let reference_node = sweep.get("reference");
        sweep.finish();
        root.finish();
        reader.result().map_err(invalid)?;
        if root.peek("sweep").is_none() {
            return Err(invalid(root.error_here(
                "missing [sweep]: a sweep file has a [sweep] table with `scenario` and a [sweep.grid] or a [sweep.zip]".into(),
            )));
        }

        let Some(base_node) = base_node else {
            return Err(invalid(sweep.error_here(
                "missing `scenario`: the scenario file to sweep, relative to this file".into(),
            )));
        };
        let relative = sweep.string(base_node, "scenario");
        reader.result().map_err(invalid)?;
        let relative = relative.expect("a string, or an error recorded");
        if relative.trim().is_empty() {
            return Err(invalid(sweep.error(
                base_node,
                "scenario",
                "expected the path of a scenario file, relative to this file; found an empty string"
                    .into(),
            )));
        }
        let fixed = entries(&sweep, "set", set_node)?;
        let grid = entries(&sweep, "grid", grid_node)?;
        let zip = entries(&sweep, "zip", zip_node)?;
        in_one_table(src, [("set", &fixed), ("grid", &grid), ("zip", &zip)])?;

        let base_path = path.parent().unwrap_or(Path::new("")).join(relative);
        let mut base = Source::read_with(&base_path, limits).map_err(|e| match e {
            ScenarioError::Read { file, source, .. } => ScenarioError::Read {
                file,
                named_by: Some(format!(
                    "`sweep.scenario` in {}",
                    where_(src, &base_node.origin)
                )),
                source,
            },
            e => e,
        })?;

        for (key, key_origin, node) in &fixed {
            let origin = Origin::Set(format!(
                "{} in {}",
                shown(&format!("sweep.set.{key}"), '`', '`'),
                where_(src, key_origin)
            ));
            base.set_node(key, doc::relabel(node.clone(), &origin))
                .map_err(|m| invalid(located(src, key_origin, format!("sweep.set.{key}"), m)))?;
        }

        for s in &overrides.sets {
            base.set(s)?;
        }
        if let Some(seed) = overrides.seed {
            base.set(&format!("simulation.seed={seed}"))?;
        }

        let grid_keys = grid.len();
        let mut axes = grid
            .into_iter()
            .map(|entry| {
                Ok(Axis {
                    keys: vec![axis_key(src, "grid", entry)?],
                })
            })
            .collect::<Result<Vec<Axis>, ScenarioError>>()?;
        let mut zipped: Vec<AxisKey> = Vec::new();
        for entry in zip {
            let origin = entry.2.origin.clone();
            let key = axis_key(src, "zip", entry)?;
            if let Some(first) = zipped.first() {
                if key.values.len() != first.values.len() {
                    return Err(invalid(located(
                        src,
                        &origin,
                        format!("sweep.zip.{}", key.key),
                        format!(
                            "expected {} values, as many as {} has (the keys of [sweep.zip] \
                             take their i-th values together), found {}",
                            first.values.len(),
                            shown(&first.key, '`', '`'),
                            key.values.len()
                        ),
                    )));
                }
            }
            zipped.push(key);
        }
        let zip: Vec<String> = zipped.iter().map(|k| k.key.clone()).collect();
        if !zipped.is_empty() {
            axes.push(Axis { keys: zipped });
        }
        let reference = match (&overrides.reference, reference_node) {
            (Some(text), _) => reference_from_command_line(src, &axes, text)?,
            (None, Some(node)) => reference_from_file(src, &axes, node)?,
            (None, None) => Vec::new(),
        };
        let keys: Vec<String> = axes
            .iter()
            .flat_map(|a| &a.keys)
            .map(|k| k.key.clone())
            .collect();
        // Where a refusal of the points' number points: the grid, or the
        // zip when there is only a zip.
        let (table, which) = match (grid_keys > 0, zip.is_empty()) {
            (true, false) => ("grid", "the grid and zip have"),
            (false, false) => ("zip", "the zip has"),
            (_, true) => ("grid", "the grid has"),
        };
        let count = axes.iter().try_fold(1usize, |n, a| n.checked_mul(a.len()));
        let Some(count) = count.filter(|n| *n <= MAX_POINTS) else {
            return Err(invalid(
                sweep.error_at(table, format!("{which} more than {MAX_POINTS} points")),
            ));
        };
        let cost = SweepCost::new(count, replications, keys.len());
        if let Err(e) = cost.check(limits) {
            let key = if u64::from(replications) > count as u64 {
                "replications"
            } else {
                table
            };
            return Err(invalid(sweep.error_at(key, e.to_string())));
        }

        let mut points = Points {
            base,
            axes,
            len: count,
            seeds: Vec::with_capacity(count),
            limits: *limits,
        };
        for i in 0..count {
            let scenario = points.scenario(i)?;
            points.seeds.push(scenario.config.seed);
        }

        let chosen = match metrics_node {
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
                    let m = sweep.string(item, "metrics");
                    reader.result().map_err(invalid)?;
                    let m = m.expect("a string, or an error recorded");
                    if !metrics.iter().any(|k| k == m) {
                        let hint = nearest(m, metrics.iter().map(String::as_str))
                            .map(|n| format!(" (did you mean `{n}`?)"))
                            .unwrap_or_default();
                        return Err(invalid(sweep.error(
                            item,
                            "metrics",
                            format!("{} is not a column of runs.csv{hint}", shown(m, '`', '`')),
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
            keys,
            zip,
            points,
            metrics: chosen,
            reference,
        })
    }
}

/// One key-value pair of a reference, where it came from (for a message),
/// and the Diagnostic of a problem with it.
struct Named {
    key: String,
    value: Node,
    /// Locates a message about this pair.
    at: Diagnostic,
}

/// `reference = { KEY = VALUE, ... }` of `[sweep]`.
fn reference_from_file(
    src: &Source,
    axes: &[Axis],
    node: &Node,
) -> Result<Vec<(String, String)>, ScenarioError> {
    let example = "e.g. reference = { \"coordinator.policy\" = \"random\" }";
    let entries = match &node.value {
        Value::Table(entries) if !entries.is_empty() => entries,
        other => {
            let found = match other {
                Value::Table(_) => "an empty table".into(),
                other => other.describe(),
            };
            return Err(invalid(located(
                src,
                &node.origin,
                "sweep.reference".into(),
                format!(
                    "expected a table of keys of [sweep.grid] or [sweep.zip] and one value \
                     of each, {example}; found {found}"
                ),
            )));
        }
    };
    let named = entries
        .iter()
        .map(|e| Named {
            key: e.key.clone(),
            value: e.node.clone(),
            at: located(
                src,
                &e.node.origin,
                format!("sweep.reference.{}", e.key),
                String::new(),
            ),
        })
        .collect();
    resolve_reference(axes, named)
}

/// `--reference KEY=VALUE[,KEY=VALUE...]`: the values are TOML, a bare word
/// a string, as in `--set`; commas inside brackets, braces or quotes do not
/// separate pairs.
fn reference_from_command_line(
    src: &Source,
    axes: &[Axis],
    text: &str,
) -> Result<Vec<(String, String)>, ScenarioError> {
    let from = format!("--reference {}", super::error::cut(text));
    let at = |key: Option<String>, message: String| Diagnostic {
        file: src.path.clone(),
        line_col: None,
        set: Some(from.clone()),
        key,
        message,
    };
    let mut named = Vec::new();
    for pair in split_top_level(text) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(invalid(at(
                None,
                "expected KEY=VALUE[,KEY=VALUE...], e.g. --reference coordinator.policy=random"
                    .into(),
            )));
        };
        let key = key.trim().to_string();
        let value = doc::parse_set_value(value.trim(), Origin::Set(from.clone())).map_err(|e| {
            invalid(at(
                Some(key.clone()),
                format!("the value is not valid TOML: {e}"),
            ))
        })?;
        named.push(Named {
            at: at(Some(key.clone()), String::new()),
            key,
            value,
        });
    }
    resolve_reference(axes, named)
}

/// `text` cut at the commas outside brackets, braces and quotes.
fn split_top_level(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut quote, mut start) = (Vec::new(), 0i32, None, 0);
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Whether two values are the same: as text, or as numbers (`40` is
/// `40.0`).
fn same_value(a: &Node, b: &Node) -> bool {
    let number = |n: &Node| match n.value {
        Value::Int(i) => Some(i as f64),
        Value::Float(x) => Some(x),
        _ => None,
    };
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => doc::value_text(a) == doc::value_text(b),
    }
}

/// The point values a reference fixes: for each axis one of its keys
/// names, the index of the value named, every key of the axis (a zip's
/// keys move together) taking its value there.
fn resolve_reference(
    axes: &[Axis],
    named: Vec<Named>,
) -> Result<Vec<(String, String)>, ScenarioError> {
    let fail = |n: &Named, message: String| {
        invalid(Diagnostic {
            message,
            ..n.at.clone()
        })
    };
    let keys: Vec<&str> = axes
        .iter()
        .flat_map(|a| &a.keys)
        .map(|k| k.key.as_str())
        .collect();
    let mut chosen: Vec<Option<(usize, String)>> = vec![None; axes.len()];
    for n in &named {
        let found = axes.iter().enumerate().find_map(|(a, axis)| {
            let key = axis.keys.iter().find(|k| k.key == n.key)?;
            Some((a, key))
        });
        let Some((a, key)) = found else {
            let hint = match nearest(&n.key, keys.iter().copied()) {
                Some(k) => format!("; did you mean `{k}`?"),
                None if keys.is_empty() => String::new(),
                None => format!("; the keys are: {}", keys.join(", ")),
            };
            return Err(fail(
                n,
                format!(
                    "the reference names no point: {} is not a key of [sweep.grid] or \
                     [sweep.zip]{hint}",
                    shown(&n.key, '`', '`')
                ),
            ));
        };
        let Some(j) = key.values.iter().position(|(v, _)| same_value(v, &n.value)) else {
            let values: Vec<&str> = key.values.iter().map(|(_, t)| t.as_str()).collect();
            return Err(fail(
                n,
                format!(
                    "the reference names no point: {} is not one of the values of {} ({})",
                    shown(&doc::value_text(&n.value), '"', '"'),
                    shown(&n.key, '`', '`'),
                    shown(&values.join(", "), '\0', '\0')
                ),
            ));
        };
        match &chosen[a] {
            Some((other, by)) if *other != j => {
                return Err(fail(
                    n,
                    format!(
                        "the reference names no point: no point of [sweep.zip] has both this \
                         value and the one it names for {}",
                        shown(by, '`', '`')
                    ),
                ));
            }
            Some(_) => {}
            None => chosen[a] = Some((j, n.key.clone())),
        }
    }
    Ok(axes
        .iter()
        .zip(&chosen)
        .filter_map(|(axis, c)| Some((axis, c.as_ref()?.0)))
        .flat_map(|(axis, j)| {
            axis.keys
                .iter()
                .map(move |k| (k.key.clone(), k.values[j].1.clone()))
        })
        .collect())
}

/// The entries of a sub-table whose keys are key paths: each key, where
/// it is and its value.
type Entries = Vec<(String, Origin, Node)>;

/// The entries of an optional sub-table whose keys are key paths.
fn entries(sweep: &Table<'_>, key: &str, node: Option<&Node>) -> Result<Entries, ScenarioError> {
    match node {
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

/// A key of [sweep.`table`] (`grid` or `zip`) and its values: a non-empty
/// list, each value relabelled as coming from the sweep file (a zip's with
/// its index, which is the point's in the zip).
fn axis_key(
    src: &Source,
    table: &str,
    (key, key_origin, node): (String, Origin, Node),
) -> Result<AxisKey, ScenarioError> {
    let items = match &node.value {
        Value::Array(items) if !items.is_empty() => items,
        other => {
            let found = match other {
                Value::Array(_) => "an empty list".into(),
                other => other.describe(),
            };
            return Err(invalid(located(
                src,
                &node.origin,
                format!("sweep.{table}.{key}"),
                format!("expected a non-empty list of values, found {found}"),
            )));
        }
    };
    let values = items
        .iter()
        .enumerate()
        .map(|(j, item)| {
            let text = doc::value_text(item);
            let index = if table == "zip" {
                format!("[{j}]")
            } else {
                String::new()
            };
            let origin = Origin::Set(format!(
                "the {table} value {}{index} = {} in {}",
                shown(&key, '\0', '\0'),
                shown(&text, '\0', '\0'),
                where_(src, &item.origin)
            ));
            (doc::relabel(item.clone(), &origin), text)
        })
        .collect();
    Ok(AxisKey {
        at: located(
            src,
            &key_origin,
            format!("sweep.{table}.{key}"),
            String::new(),
        ),
        key,
        values,
    })
}

/// Refuses a key in two of [sweep.set], [sweep.grid] and [sweep.zip]: one
/// would silently override the other, and runs.csv show values no run had.
fn in_one_table(src: &Source, tables: [(&str, &Entries); 3]) -> Result<(), ScenarioError> {
    for (t, (table, entries)) in tables.iter().enumerate() {
        for (key, origin, _) in entries.iter() {
            let earlier = tables[..t].iter().find_map(|(other, entries)| {
                let (_, at, _) = entries.iter().find(|e| e.0 == *key)?;
                Some((other, at))
            });
            if let Some((other, at)) = earlier {
                let line = match at {
                    Origin::File(span) => format!(" (line {})", line_col(&src.text, span.start).0),
                    _ => String::new(),
                };
                return Err(invalid(located(
                    src,
                    origin,
                    format!("sweep.{table}.{key}"),
                    format!(
                        "also in [sweep.{other}]{line}: a key may be in only one of \
                         [sweep.set], [sweep.grid] and [sweep.zip]"
                    ),
                )));
            }
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A key whose values are `from`, `from + 1`, ... (`n` of them).
    fn key(n: usize, from: usize) -> AxisKey {
        AxisKey {
            key: String::new(),
            at: located(
                &Source::parse(Path::new("s.toml"), String::new()).unwrap(),
                &Origin::Default,
                String::new(),
                String::new(),
            ),
            values: (from..from + n)
                .map(|i| {
                    (
                        Node {
                            value: Value::Int(i as i128),
                            origin: Origin::Default,
                        },
                        i.to_string(),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn grid_order_is_nested_loops_in_file_order() {
        let axis = |n: usize| Axis {
            keys: vec![key(n, 0)],
        };
        let points = Points {
            base: Source::parse(Path::new("s.toml"), String::new()).unwrap(),
            axes: vec![axis(2), axis(3)],
            len: 6,
            seeds: vec![1; 6],
            limits: Limits::DEFAULT,
        };
        let order: Vec<Vec<usize>> = (0..6).map(|i| points.indices(i)).collect();
        assert_eq!(
            order,
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![0, 2],
                vec![1, 0],
                vec![1, 1],
                vec![1, 2]
            ]
        );
        assert_eq!(points.values(4), vec!["1", "1"]);
        let none = Points {
            axes: Vec::new(),
            len: 1,
            ..points
        };
        assert_eq!(none.indices(0), Vec::<usize>::new());
    }

    #[test]
    fn a_zip_is_one_more_grid_key_whose_keys_move_together() {
        let points = Points {
            base: Source::parse(Path::new("s.toml"), String::new()).unwrap(),
            axes: vec![
                Axis {
                    keys: vec![key(2, 0)],
                },
                Axis {
                    keys: vec![key(3, 10), key(3, 20)],
                },
            ],
            len: 6,
            seeds: vec![1; 6],
            limits: Limits::DEFAULT,
        };
        let values: Vec<Vec<String>> = (0..6).map(|i| points.values(i)).collect();
        let expected: Vec<Vec<String>> = [
            ["0", "10", "20"],
            ["0", "11", "21"],
            ["0", "12", "22"],
            ["1", "10", "20"],
            ["1", "11", "21"],
            ["1", "12", "22"],
        ]
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect())
        .collect();
        assert_eq!(values, expected);
    }
}
