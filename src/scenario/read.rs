//! From a document to a validated [`Scenario`]: each table's keys are
//! checked against the keys it may have, each value against its type and
//! range; defaults fill in what is absent.

use super::doc::{Node, Value};
use super::error::{line_col, nearest, Diagnostic, Origin};
use super::{ChartFormat, OutputOptions, Scenario, Source};
use crate::engine::SimTime;
use crate::model::*;

type Result<T> = std::result::Result<T, Diagnostic>;

/// Most tasks a scenario may ask for: beyond this a run would take hours.
const MAX_TASKS: f64 = 1e10;
const MAX_PEERS: u64 = 10_000_000;
const MAX_SECONDS: f64 = 1e7;

/// What a number stands for, which decides the values it may take.
#[derive(Clone, Copy, PartialEq)]
enum Quantity {
    /// Milliseconds, not negative (a normal is clamped at 0).
    Time,
    /// Milliseconds, positive: a timeout.
    PositiveTime,
    Probability,
    Speed,
    /// Whole when constant; a distribution is rounded, at least 1.
    Slots,
}

pub fn scenario(src: &Source) -> Result<Scenario> {
    let root = Table::root(src)?;
    let sim = root.table(
        "simulation",
        &[
            "name",
            "seed",
            "duration_s",
            "warmup_s",
            "drain_s",
            "sample_ms",
        ],
    )?;
    let stem = src
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let name = sim.name("name", stem)?;
    let seed = sim.whole("seed", 1, 0, i64::MAX as u64)?;
    let duration_s = sim.number("duration_s", 60.0, |x| {
        range_msg(
            x > 0.0 && x <= MAX_SECONDS,
            "a duration in seconds, > 0 and at most 1e7",
        )
    })?;
    let warmup_s = sim.number("warmup_s", 0.0, |x| {
        range_msg(
            x >= 0.0 && x < duration_s,
            "seconds, >= 0 and less than duration_s",
        )
    })?;
    let drain_s = sim.number("drain_s", 30.0, |x| {
        range_msg(
            (0.0..=MAX_SECONDS).contains(&x),
            "seconds, >= 0 and at most 1e7",
        )
    })?;
    let sample_ms = sim.number("sample_ms", 100.0, |x| {
        let samples = (duration_s + drain_s) * 1000.0 / x;
        range_msg(
            x > 0.0 && samples <= 1e8,
            "milliseconds, > 0 and large enough for at most 1e8 samples per run",
        )
    })?;

    let w = root.table(
        "workload",
        &[
            "renters",
            "fps",
            "arrival",
            "tasks_per_frame",
            "work_ms",
            "deadline_ms",
            "return_ms",
        ],
    )?;
    let renters = w.whole("renters", 1, 1, u64::from(MAX_RENTERS))? as u32;
    let fps = w.number("fps", 60.0, |x| {
        range_msg(
            x > 0.0 && x <= 1e6,
            "frames per second, > 0 and at most 1e6",
        )
    })?;
    let arrival = w.choice(
        "arrival",
        Arrival::Periodic,
        &[
            ("periodic", Arrival::Periodic),
            ("poisson", Arrival::Poisson),
        ],
    )?;
    let tasks_per_frame = w.whole("tasks_per_frame", 1, 1, 100_000)? as u32;
    let work_ms = w.required_dist("work_ms", Quantity::Time)?;
    let deadline_ms = w.dist("deadline_ms", 150.0, Quantity::Time)?;
    let return_ms = w.dist("return_ms", 0.0, Quantity::Time)?;
    let expected_tasks = f64::from(renters) * fps * duration_s * f64::from(tasks_per_frame);
    if expected_tasks > MAX_TASKS {
        return Err(w.error_here(format!(
            "renters x fps x duration_s x tasks_per_frame makes about {expected_tasks:.3e} tasks; \
             at most {MAX_TASKS:e} can be simulated in one run"
        )));
    }

    let peer_groups = peer_groups(&root)?;
    let peer_count: u64 = peer_groups.iter().map(|g| u64::from(g.count)).sum();
    if peer_count == 0 || peer_count > MAX_PEERS {
        return Err(root.error_at(
            "peers",
            format!("expected from 1 to {MAX_PEERS} peers in all, found {peer_count}"),
        ));
    }

    let c = root.table(
        "coordinator",
        &[
            "policy",
            "d",
            "queue",
            "discipline",
            "max_attempts",
            "timeout_ms",
            "backoff_ms",
            "score",
        ],
    )?;
    let policy = c.choice("policy", Policy::LeastLoaded, &Policy::ALL)?;
    let d = c.whole("d", 2, 1, u64::from(u32::MAX))?;
    if d > peer_count && (policy == Policy::PowerOfD || c.get("d").is_some()) {
        return Err(c.error_at(
            "d",
            format!("`d` ({d}) must not exceed the number of peers ({peer_count})"),
        ));
    }
    let queue = c.choice(
        "queue",
        QueueMode::Central,
        &[
            ("central", QueueMode::Central),
            ("per_peer", QueueMode::PerPeer),
        ],
    )?;
    let discipline = c.choice(
        "discipline",
        Discipline::Fifo,
        &[("fifo", Discipline::Fifo), ("edf", Discipline::Edf)],
    )?;
    let max_attempts = c.whole("max_attempts", 3, 1, u64::from(MAX_ATTEMPTS))? as u32;
    let timeout_ms = c.dist("timeout_ms", 1000.0, Quantity::PositiveTime)?;
    let backoff_ms = c.dist("backoff_ms", 0.0, Quantity::Time)?;
    let s = c.table("score", &["latency", "load", "reputation"])?;
    let weight = |key, default| s.number(key, default, |x| range_msg(x >= 0.0, "a weight >= 0"));
    let score = ScoreWeights {
        latency: weight("latency", 1.0)?,
        load: weight("load", 15.0)?,
        reputation: weight("reputation", 50.0)?,
    };

    let r = root.table(
        "reputation",
        &[
            "model",
            "initial",
            "success",
            "failure",
            "alpha",
            "exclude_below",
        ],
    )?;
    let unit = |x: f64| range_msg((0.0..=1.0).contains(&x), "a number in [0, 1]");
    let model = r.choice(
        "model",
        "additive",
        &[("additive", "additive"), ("ewma", "ewma"), ("beta", "beta")],
    )?;
    let success = r.number("success", 0.02, unit)?;
    let failure = r.number("failure", 0.05, unit)?;
    let alpha = r.number("alpha", 0.1, |x| {
        range_msg(x > 0.0 && x <= 1.0, "a weight in (0, 1]")
    })?;
    let model = match model {
        "additive" => ReputationModel::Additive { success, failure },
        "ewma" => ReputationModel::Ewma { alpha },
        _ => ReputationModel::Beta,
    };
    let initial = match r.get("initial") {
        Some(Node {
            value: Value::Str(s),
            ..
        }) if s == "reliability" => InitialReputation::Reliability,
        Some(
            node @ Node {
                value: Value::Str(_),
                ..
            },
        ) => {
            return Err(r.error(
                node,
                "initial",
                format!(
                    "expected a number in [0, 1] or \"reliability\", found {}",
                    node.value.describe()
                ),
            ))
        }
        _ => InitialReputation::Value(r.number("initial", 0.5, unit)?),
    };
    let exclude_below = r.number("exclude_below", 0.0, unit)?;

    let o = root.table("output", &["frames", "attempts", "charts", "format"])?;
    let output = OutputOptions {
        frames: o.boolean("frames", true)?,
        attempts: o.boolean("attempts", false)?,
        charts: o.boolean("charts", true)?,
        format: o.choice(
            "format",
            ChartFormat::Svg,
            &[("svg", ChartFormat::Svg), ("png", ChartFormat::Png)],
        )?,
    };

    Ok(Scenario {
        path: src.path.clone(),
        config: Config {
            name,
            seed,
            duration: SimTime::from_secs(duration_s),
            warmup: SimTime::from_secs(warmup_s),
            drain: SimTime::from_secs(drain_s),
            sample_every: SimTime::from_ms(sample_ms),
            workload: Workload {
                renters,
                fps,
                arrival,
                tasks_per_frame,
                work_ms,
                deadline_ms,
                return_ms,
            },
            coordinator: CoordinatorConfig {
                policy,
                d: d as u32,
                queue,
                discipline,
                max_attempts,
                timeout_ms,
                backoff_ms,
                score,
                heartbeat_ms: 1000.0,
                miss_limit: 3,
            },
            reputation: ReputationConfig {
                model,
                initial,
                exclude_below,
            },
            peer_groups,
        },
        output,
    })
}

fn peer_groups(root: &Table) -> Result<Vec<PeerGroup>> {
    let Some(node) = root.get("peers") else {
        return Err(root.error_here(
            "missing `[[peers]]`: a scenario needs at least one group of peers".into(),
        ));
    };
    let Value::Array(items) = &node.value else {
        return Err(root.error(
            node,
            "peers",
            format!(
                "expected groups of peers written as [[peers]] tables, found {}",
                node.value.describe()
            ),
        ));
    };
    if items.is_empty() {
        return Err(root.error(node, "peers", "expected at least one group of peers".into()));
    }
    let mut groups: Vec<PeerGroup> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let g = Table::open(
            root.src,
            item,
            format!("peers[{i}]"),
            &[
                "group",
                "count",
                "slots",
                "speed",
                "latency_ms",
                "jitter_ms",
                "reliability",
                "failure",
            ],
        )?;
        let name = g.name("group", format!("group{i}"))?;
        if groups.iter().any(|o| o.name == name) {
            return Err(g.error_at("group", format!("the group name `{name}` is used twice")));
        }
        groups.push(PeerGroup {
            name,
            count: g.whole("count", 1, 0, MAX_PEERS)? as u32,
            slots: g.dist("slots", 1.0, Quantity::Slots)?,
            speed: g.dist("speed", 1.0, Quantity::Speed)?,
            latency_ms: g.dist("latency_ms", 0.0, Quantity::Time)?,
            jitter_ms: g.dist("jitter_ms", 0.0, Quantity::Time)?,
            reliability: g.dist("reliability", 1.0, Quantity::Probability)?,
            failure: g.choice(
                "failure",
                FailureMode::Error,
                &[
                    ("error", FailureMode::Error),
                    ("silent", FailureMode::Silent),
                ],
            )?,
            churn: None,
        });
    }
    Ok(groups)
}

fn range_msg(ok: bool, expected: &str) -> std::result::Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("expected {expected}"))
    }
}

/// A table being read: where it is, what it holds.
pub(super) struct Table<'a> {
    src: &'a Source,
    path: String,
    /// `None` when the table is absent: every key takes its default.
    node: Option<&'a Node>,
}

impl<'a> Table<'a> {
    fn root(src: &'a Source) -> Result<Table<'a>> {
        Table::open(
            src,
            &src.doc,
            String::new(),
            &[
                "simulation",
                "workload",
                "coordinator",
                "reputation",
                "peers",
                "output",
            ],
        )
    }

    /// Checks that `node` is a table with only `known` keys.
    pub(super) fn open(
        src: &'a Source,
        node: &'a Node,
        path: String,
        known: &[&str],
    ) -> Result<Table<'a>> {
        let table = Table {
            src,
            path,
            node: Some(node),
        };
        let Value::Table(entries) = &node.value else {
            let at = table.path.clone();
            return Err(table.diagnostic(
                &node.origin,
                Some(at),
                format!("expected a table, found {}", node.value.describe()),
            ));
        };
        for e in entries {
            if !known.contains(&e.key.as_str()) {
                let hint = match nearest(&e.key, known.iter().copied()) {
                    Some(k) => format!("; did you mean `{k}`?"),
                    None => format!("; expected one of: {}", known.join(", ")),
                };
                let what = if table.path.is_empty() {
                    "at the top level".to_string()
                } else {
                    format!("in `{}`", table.path)
                };
                return Err(table.diagnostic(
                    &e.key_origin,
                    Some(table.key_path(&e.key)),
                    format!("unknown key {what}{hint}"),
                ));
            }
        }
        Ok(table)
    }

    /// A sub-table; absent means all defaults.
    fn table(&self, key: &str, known: &[&str]) -> Result<Table<'a>> {
        match self.get(key) {
            Some(node) => Table::open(self.src, node, self.key_path(key), known),
            None => Ok(Table {
                src: self.src,
                path: self.key_path(key),
                node: None,
            }),
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.and_then(|n| n.get(key))
    }

    pub(super) fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn diagnostic(&self, origin: &Origin, key: Option<String>, message: String) -> Diagnostic {
        let (line_col, set) = match origin {
            Origin::File(span) => (Some(line_col(&self.src.text, span.start)), None),
            Origin::Set(text) => (None, Some(text.clone())),
            Origin::Default => (None, None),
        };
        Diagnostic {
            file: self.src.path.clone(),
            line_col,
            set,
            key,
            message,
        }
    }

    pub(super) fn error(&self, node: &Node, key: &str, message: String) -> Diagnostic {
        self.diagnostic(&node.origin, Some(self.key_path(key)), message)
    }

    /// An error about `key`, located at its value if present.
    pub(super) fn error_at(&self, key: &str, message: String) -> Diagnostic {
        let origin = self
            .get(key)
            .or(self.node)
            .map_or(Origin::Default, |n| n.origin.clone());
        self.diagnostic(&origin, Some(self.key_path(key)), message)
    }

    /// An error about the table as a whole.
    pub(super) fn error_here(&self, message: String) -> Diagnostic {
        let origin = self.node.map_or(Origin::Default, |n| n.origin.clone());
        let key = (!self.path.is_empty()).then(|| self.path.clone());
        self.diagnostic(&origin, key, message)
    }

    fn number(
        &self,
        key: &str,
        default: f64,
        check: impl Fn(f64) -> std::result::Result<(), String>,
    ) -> Result<f64> {
        let Some(node) = self.get(key) else {
            return Ok(default);
        };
        let x = self.finite(node, key)?;
        check(x).map_err(|m| self.error(node, key, format!("{m}, found {x}")))?;
        Ok(x)
    }

    fn finite(&self, node: &Node, key: &str) -> Result<f64> {
        let x = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(x) => x,
            ref other => {
                return Err(self.error(
                    node,
                    key,
                    format!("expected a number, found {}", other.describe()),
                ))
            }
        };
        if x.is_finite() {
            Ok(x)
        } else {
            Err(self.error(node, key, format!("expected a finite number, found {x}")))
        }
    }

    pub(super) fn whole(&self, key: &str, default: u64, min: u64, max: u64) -> Result<u64> {
        let Some(node) = self.get(key) else {
            return Ok(default);
        };
        match node.value {
            Value::Int(i) if i >= i128::from(min) && i <= i128::from(max) => Ok(i as u64),
            Value::Int(i) => Err(self.error(
                node,
                key,
                format!("expected a whole number from {min} to {max}, found {i}"),
            )),
            ref other => Err(self.error(
                node,
                key,
                format!(
                    "expected a whole number (written without a decimal point), found {}",
                    other.describe()
                ),
            )),
        }
    }

    fn boolean(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(Node {
                value: Value::Bool(b),
                ..
            }) => Ok(*b),
            Some(node) => Err(self.error(
                node,
                key,
                format!("expected true or false, found {}", node.value.describe()),
            )),
        }
    }

    pub(super) fn string(&self, node: &'a Node, key: &str) -> Result<&'a str> {
        match &node.value {
            Value::Str(s) => Ok(s),
            other => Err(self.error(
                node,
                key,
                format!("expected a string, found {}", other.describe()),
            )),
        }
    }

    /// A name for a folder or a group: letters, digits, `-`, `_`, `.`.
    pub(super) fn name(&self, key: &str, default: String) -> Result<String> {
        let Some(node) = self.get(key) else {
            return Ok(default);
        };
        let s = self.string(node, key)?;
        let ok = !s.is_empty()
            && !s.starts_with('.')
            && s.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c));
        if ok {
            Ok(s.to_string())
        } else {
            Err(self.error(
                node,
                key,
                format!("expected a name of letters, digits, '-', '_' and '.', found \"{s}\""),
            ))
        }
    }

    fn choice<T: Copy>(&self, key: &str, default: T, options: &[(&str, T)]) -> Result<T> {
        let Some(node) = self.get(key) else {
            return Ok(default);
        };
        let s = self.string(node, key)?;
        if let Some((_, v)) = options.iter().find(|(name, _)| *name == s) {
            return Ok(*v);
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let hint = nearest(s, names.iter().copied())
            .map(|n| format!(" (did you mean \"{n}\"?)"))
            .unwrap_or_default();
        Err(self.error(
            node,
            key,
            format!(
                "expected one of {}, found \"{s}\"{hint}",
                names
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }

    fn required_dist(&self, key: &str, q: Quantity) -> Result<Dist> {
        match self.get(key) {
            Some(node) => self.read_dist(node, key, q),
            None => Err(self.error_here(format!(
                "missing key `{key}`: a number or a distribution such as {{ dist = \"gamma\", mean = 6, sd = 2 }}"
            ))),
        }
    }

    fn dist(&self, key: &str, default: f64, q: Quantity) -> Result<Dist> {
        match self.get(key) {
            Some(node) => self.read_dist(node, key, q),
            None => Ok(Dist::constant(default)),
        }
    }

    fn read_dist(&self, node: &'a Node, key: &str, q: Quantity) -> Result<Dist> {
        let dist = match &node.value {
            Value::Int(_) | Value::Float(_) => {
                if q == Quantity::Slots {
                    let n = self.whole(key, 1, 1, u64::from(MAX_SLOTS))?;
                    Dist::constant(n as f64)
                } else {
                    Dist::constant(self.finite(node, key)?)
                }
            }
            Value::Table(_) => self.dist_table(node, key)?,
            other => {
                return Err(self.error(
                    node,
                    key,
                    format!(
                        "expected a number or a distribution such as {{ dist = \"uniform\", low = 1, high = 2 }}, found {}",
                        other.describe()
                    ),
                ))
            }
        };
        check_quantity(&dist, q).map_err(|m| self.error(node, key, m))?;
        Ok(dist)
    }

    fn dist_table(&self, node: &'a Node, key: &str) -> Result<Dist> {
        const KINDS: [(&str, &[&str]); 8] = [
            ("uniform", &["low", "high"]),
            ("exponential", &["mean"]),
            ("normal", &["mean", "sd"]),
            ("lognormal", &["mean", "sd"]),
            ("gamma", &["mean", "sd"]),
            ("weibull", &["scale", "shape"]),
            ("pareto", &["scale", "shape"]),
            ("choice", &["values", "weights"]),
        ];
        let path = self.key_path(key);
        let Some(kind_node) = node.get("dist") else {
            return Err(self.error(
                node,
                key,
                "a distribution table needs `dist`, e.g. { dist = \"uniform\", low = 1, high = 2 }"
                    .into(),
            ));
        };
        let outer = Table {
            src: self.src,
            path: path.clone(),
            node: Some(node),
        };
        let kind = outer.string(kind_node, "dist")?;
        let Some((kind, params)) = KINDS.iter().find(|(k, _)| *k == kind) else {
            let names: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
            let hint = nearest(kind, names.iter().copied())
                .map(|n| format!(" (did you mean \"{n}\"?)"))
                .unwrap_or_default();
            return Err(outer.error(
                kind_node,
                "dist",
                format!(
                    "unknown distribution \"{kind}\"{hint}; expected one of {}",
                    names.join(", ")
                ),
            ));
        };
        let mut known = vec!["dist"];
        known.extend_from_slice(params);
        let t = Table::open(self.src, node, path, &known)?;
        let param = |name: &str| -> Result<f64> {
            match t.get(name) {
                Some(n) => t.finite(n, name),
                None => Err(t.error_here(format!(
                    "missing `{name}`: a {kind} distribution needs {}",
                    params.join(" and ")
                ))),
            }
        };
        let built = match *kind {
            "uniform" => Dist::uniform(param("low")?, param("high")?),
            "exponential" => Dist::exponential(param("mean")?),
            "normal" => Dist::normal(param("mean")?, param("sd")?),
            "lognormal" => Dist::lognormal(param("mean")?, param("sd")?),
            "gamma" => Dist::gamma(param("mean")?, param("sd")?),
            "weibull" => Dist::weibull(param("scale")?, param("shape")?),
            "pareto" => Dist::pareto(param("scale")?, param("shape")?),
            _ => {
                let values = t.numbers("values")?.ok_or_else(|| {
                    t.error_here("missing `values`: a choice needs a list of values".into())
                })?;
                Dist::choice(values, t.numbers("weights")?)
            }
        };
        built.map_err(|m| self.error(node, key, m))
    }

    fn numbers(&self, key: &str) -> Result<Option<Vec<f64>>> {
        let Some(node) = self.get(key) else {
            return Ok(None);
        };
        let Value::Array(items) = &node.value else {
            return Err(self.error(
                node,
                key,
                format!(
                    "expected a list of numbers, found {}",
                    node.value.describe()
                ),
            ));
        };
        items
            .iter()
            .map(|n| self.finite(n, key))
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}

fn check_quantity(dist: &Dist, q: Quantity) -> std::result::Result<(), String> {
    let (low, high) = dist.range();
    let bounded = matches!(
        dist,
        Dist::Constant(_) | Dist::Uniform { .. } | Dist::Choice { .. }
    );
    let is_normal = matches!(dist, Dist::Normal { .. });
    match q {
        Quantity::Time if !is_normal && low < 0.0 => Err(format!(
            "expected a time in milliseconds, not negative; this can be {low}"
        )),
        Quantity::PositiveTime if is_normal || low < 0.0 || high <= 0.0 => Err(
            "expected a time in milliseconds, > 0 (a normal distribution is not allowed here)"
                .into(),
        ),
        Quantity::Probability if !bounded || low < 0.0 || high > 1.0 => Err(format!(
            "expected a probability in [0, 1] (a number, a uniform or a choice within [0, 1]); this can be {}",
            if low < 0.0 { low } else { high }
        )),
        Quantity::Speed if is_normal || (bounded && low <= 0.0) => Err(format!(
            "expected a speed > 0 (1.0 = the reference GPU); this can be {low}"
        )),
        _ => Ok(()),
    }
}
