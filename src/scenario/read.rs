//! From a document to a validated [`Scenario`], one function per table.
//!
//! A table is read through a [`Table`], which tracks every key read and the
//! value it resolved to, given or default. The keys of the input that no
//! reader asked for are the unknown ones, found where the table is
//! finished; the values resolved, in reading order, are the resolved
//! scenario that [`Scenario::resolved_toml`] writes out. There is no list
//! of keys apart from the code that reads them.
//!
//! Errors are recorded, not returned at once: a bad value reads as its
//! default so that reading goes on, and the first error is reported, in
//! reading order, except that a table's unknown keys come before every
//! error found since the table was opened (a misspelt key is the likelier
//! cause of what follows).

mod churn;
mod cost;
mod links;

use std::cell::{Cell, RefCell};

use super::cost::Limits;
use super::doc::{Entry, Node, Value};
use super::error::{line_col, nearest, shown, Diagnostic, Origin};
use super::{Input, OutputOptions, Scenario, Source};
use crate::engine::SimTime;
use crate::model::*;
use crate::output::charts::Format;

type Result<T> = std::result::Result<T, Diagnostic>;

/// Most tasks a scenario may ask for: beyond this a run would take hours.
const MAX_TASKS: f64 = 1e10;
const MAX_PEERS: u64 = 10_000_000;
const MAX_SECONDS: f64 = 1e7;
/// Largest message, in kB: a petabyte.
const MAX_SIZE_KB: f64 = 1e12;
/// Longest name of a run or a sweep, in bytes: it names a folder, and
/// file systems allow 255 bytes, some of which staging may need.
pub(super) const MAX_NAME_BYTES: usize = 200;

/// What a number stands for, which decides the values it may take.
#[derive(Clone, Copy, PartialEq)]
enum Quantity {
    /// Milliseconds, not negative (a normal is clamped at 0), waited for:
    /// every draw must fit the clock, and some must end within reach of
    /// the run.
    Delay,
    /// Milliseconds, not negative, compared with, never waited for: a
    /// deadline.
    Time,
    /// Milliseconds, positive: a timeout (one that would fire after the
    /// run is never scheduled).
    PositiveTime,
    /// Seconds, not negative: a warm-up.
    Seconds,
    /// Seconds, not negative, and the mean may be infinite (heavy-tailed
    /// sessions): a session or a gap of churn.
    Session,
    Probability,
    Speed,
    /// Multiplies a processing time: not negative, finite.
    Factor,
    /// Kilobytes, not negative (a normal is clamped at 0).
    Size,
    /// Megabits per second, bounded away from 0: a number, a uniform or a
    /// choice above 0, or a Pareto.
    Bandwidth,
    /// Whole when constant; a distribution is rounded, at least 1, and may
    /// not draw more than [`MAX_SLOTS`].
    Slots,
    /// Money per hour, not negative: a price.
    Price,
    /// Watts, not negative: a power.
    Power,
}

/// The state shared by the tables of one document: the first error, and
/// what later checks need of earlier tables.
pub(super) struct Reader<'a> {
    pub(super) src: &'a Source,
    /// What input files (traces) may cost.
    pub(super) limits: &'a Limits,
    /// The input files read besides the scenario (traces), as read.
    pub(super) inputs: RefCell<Vec<Input>>,
    first: RefCell<Option<Diagnostic>>,
    /// `duration + drain`, once `[simulation]` is read.
    horizon_ms: Cell<f64>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(src: &'a Source, limits: &'a Limits) -> Reader<'a> {
        Reader {
            src,
            limits,
            inputs: RefCell::new(Vec::new()),
            first: RefCell::new(None),
            horizon_ms: Cell::new(f64::INFINITY),
        }
    }

    /// The document's top level, a table.
    pub(super) fn root(&'a self) -> Table<'a> {
        Table::open(self, Some(&self.src.doc), String::new())
    }

    fn fail(&self, d: Diagnostic) {
        self.first.borrow_mut().get_or_insert(d);
    }

    fn clean(&self) -> bool {
        self.first.borrow().is_none()
    }

    /// The first error recorded, if any.
    pub(super) fn result(&self) -> Result<()> {
        match self.first.borrow_mut().take() {
            Some(d) => Err(d),
            None => Ok(()),
        }
    }
}

/// Reads and validates the scenario of `src`, then checks its cost
/// against `limits`.
pub fn scenario(src: &Source, limits: &Limits) -> Result<Scenario> {
    let reader = Reader::new(src, limits);
    let root = reader.root();
    let stem = src
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let sim = root.sub("simulation", |t| simulation(t, stem));
    reader
        .horizon_ms
        .set(sim.duration_s * 1e3 + sim.drain_s * 1e3);
    let workload = root.sub("workload", |t| workload(t, &sim));
    let peer_groups = peers(&root);
    let peer_count: u64 = peer_groups.iter().map(|g| u64::from(g.count)).sum();
    if peer_count == 0 || peer_count > MAX_PEERS {
        root.fail(root.error_at(
            "peers",
            format!("expected from 1 to {MAX_PEERS} peers in all, found {peer_count}"),
        ));
    }
    let coordinator = root.sub("coordinator", |t| coordinator(t, peer_count));
    for (i, g) in peer_groups.iter().enumerate() {
        processing_fits_the_clock(&root, i, g, &workload.work_ms);
        links::messages_fit_the_clock(&root, i, g, &workload);
    }
    let reputation = root.sub("reputation", reputation);
    let cost = cost::cost(&root);
    let output = root.sub("output", output);
    let mut resolved = root.finish();
    reader.result()?;
    // Written in the README's order, whatever order reading needed.
    if let Value::Table(tables) = &mut resolved.value {
        const ORDER: [&str; 7] = [
            "simulation",
            "workload",
            "coordinator",
            "reputation",
            "peers",
            "cost",
            "output",
        ];
        tables.sort_by_key(|e| ORDER.iter().position(|k| *k == e.key));
    }

    let scenario = Scenario {
        path: src.path.clone(),
        config: Config {
            name: sim.name,
            seed: sim.seed,
            duration: SimTime::from_secs(sim.duration_s),
            warmup: SimTime::from_secs(sim.warmup_s),
            drain: SimTime::from_secs(sim.drain_s),
            sample_every: SimTime::from_ms(sim.sample_ms),
            workload,
            coordinator,
            reputation,
            peer_groups,
            cost,
        },
        output,
        resolved,
        inputs: std::iter::once(Input {
            path: src.path.clone(),
            sha256: crate::digest::sha256_hex(src.text.as_bytes()),
        })
        .chain(reader.inputs.take())
        .collect(),
    };
    if let Err(e) = scenario.cost().check(limits) {
        return Err(root.error_at_path(e.part.key, e.to_string()));
    }
    Ok(scenario)
}

/// `[simulation]`, as read.
struct Simulation {
    name: String,
    seed: u64,
    duration_s: f64,
    warmup_s: f64,
    drain_s: f64,
    sample_ms: f64,
}

fn simulation(t: &Table, stem: String) -> Simulation {
    let name = t.name("name", stem);
    let seed = t.whole("seed", 1, 0, i64::MAX as u64);
    let duration_s = t.number("duration_s", 60.0, |x| {
        range_msg(
            x > 0.0 && x <= MAX_SECONDS,
            "a duration in seconds, > 0 and at most 1e7",
        )
    });
    let warmup_s = t.number("warmup_s", 0.0, |x| {
        range_msg(
            x >= 0.0 && x < duration_s,
            "seconds, >= 0 and less than duration_s",
        )
    });
    let drain_s = t.number("drain_s", 30.0, |x| {
        range_msg(
            (0.0..=MAX_SECONDS).contains(&x),
            "seconds, >= 0 and at most 1e7",
        )
    });
    let sample_ms = t.number("sample_ms", 100.0, |x| {
        let samples = (duration_s + drain_s) * 1000.0 / x;
        range_msg(
            x > 0.0 && samples <= 1e8,
            "milliseconds, > 0 and large enough for at most 1e8 samples per run",
        )
    });
    Simulation {
        name,
        seed,
        duration_s,
        warmup_s,
        drain_s,
        sample_ms,
    }
}

fn workload(t: &Table, sim: &Simulation) -> Workload {
    let renters = t.whole("renters", 1, 1, u64::from(MAX_RENTERS)) as u32;
    let fps = t.number("fps", 60.0, |x| {
        range_msg(
            x > 0.0 && x <= 1e6,
            "frames per second, > 0 and at most 1e6",
        )
    });
    let arrival = t.choice(
        "arrival",
        Arrival::Periodic,
        &[
            ("periodic", Arrival::Periodic),
            ("poisson", Arrival::Poisson),
        ],
    );
    let tasks_per_frame = t.whole("tasks_per_frame", 1, 1, 100_000) as u32;
    let work_ms = t.required_dist("work_ms", Quantity::Delay);
    let deadline_ms = t.dist("deadline_ms", 150.0, Quantity::Time);
    let return_ms = t.dist("return_ms", 0.0, Quantity::Delay);
    let expected_tasks = f64::from(renters) * fps * sim.duration_s * f64::from(tasks_per_frame);
    if expected_tasks > MAX_TASKS {
        t.fail(t.error_here(format!(
            "renters x fps x duration_s x tasks_per_frame makes about {expected_tasks:.3e} tasks; \
             at most {MAX_TASKS:e} can be simulated in one run"
        )));
    }
    let (input_kb, output_kb) = links::sizes(t);
    Workload {
        renters,
        fps,
        arrival,
        tasks_per_frame,
        work_ms,
        deadline_ms,
        return_ms,
        input_kb,
        output_kb,
    }
}

fn coordinator(t: &Table, peer_count: u64) -> CoordinatorConfig {
    let policy = t.choice("policy", Policy::LeastLoaded, &Policy::ALL);
    let d = t.whole("d", 2, 1, u64::from(u32::MAX));
    // Only `power_of_d` samples `d` peers; elsewhere `d` is unused, and a
    // default of 2 beside a single peer is no error.
    if d > peer_count && policy == Policy::PowerOfD {
        t.fail(t.error_at(
            "d",
            format!("`d` ({d}) must not exceed the number of peers ({peer_count})"),
        ));
    }
    let queue = t.choice(
        "queue",
        QueueMode::Central,
        &[
            ("central", QueueMode::Central),
            ("per_peer", QueueMode::PerPeer),
        ],
    );
    let discipline = t.choice(
        "discipline",
        Discipline::Fifo,
        &[("fifo", Discipline::Fifo), ("edf", Discipline::Edf)],
    );
    let max_attempts = t.whole("max_attempts", 3, 1, u64::from(MAX_ATTEMPTS)) as u32;
    let timeout_ms = t.dist("timeout_ms", 1000.0, Quantity::PositiveTime);
    let backoff_ms = t.dist("backoff_ms", 0.0, Quantity::Delay);
    let heartbeat_ms = t.number("heartbeat_ms", 1000.0, |x| {
        range_msg(
            x > 0.0 && x <= MAX_TIME_MS,
            "a period in milliseconds, > 0 (how often a peer sends a heartbeat: churn's failure detector, and the load reports of view = \"heartbeat\" or \"board\")",
        )
    });
    let miss_limit = t.whole("miss_limit", 3, 1, 1_000_000) as u32;
    // Copies and hedging: written into the resolved scenario only if
    // given, as the scenarios of runs without them were.
    // Copies and votes go to distinct peers and count as attempts.
    let on_distinct_peers = |key: &str, why: &str| {
        let n = match t.peek(key) {
            None => 1,
            Some(_) => t.whole(key, 1, 1, u64::from(MAX_ATTEMPTS)) as u32,
        };
        for (bound, what) in [
            (u64::from(max_attempts), "`max_attempts`"),
            (peer_count, "the number of peers"),
        ] {
            if u64::from(n) > bound {
                t.fail(t.error_at(
                    key,
                    format!("`{key}` ({n}) must not exceed {what} ({bound}): {why}"),
                ));
            }
        }
        n
    };
    let copies = on_distinct_peers(
        "copies",
        "copies go to distinct peers and count as attempts",
    );
    let hedge_ms = t.optional_dist("hedge_ms", Quantity::PositiveTime);
    let quorum = on_distinct_peers(
        "quorum",
        "the votes come from distinct peers and count as attempts",
    );
    let cancel_on_timeout =
        t.peek("cancel_on_timeout").is_some() && t.boolean("cancel_on_timeout", false);
    let drop_late = t.peek("drop_late").is_some() && t.boolean("drop_late", false);
    let cancel = match t.peek("cancel") {
        None => Cancel::First,
        Some(_) => t.choice(
            "cancel",
            Cancel::First,
            &[("first", Cancel::First), ("none", Cancel::None)],
        ),
    };
    // Several coordinators and their views: written into the resolved
    // scenario only if given, as before they existed.
    let count = match t.peek("count") {
        None => 1,
        Some(_) => t.whole("count", 1, 1, u64::from(MAX_COORDINATORS)) as u32,
    };
    let view = match t.peek("view") {
        None => View::Own,
        Some(_) => t.choice(
            "view",
            View::Own,
            &[
                ("own", View::Own),
                ("heartbeat", View::Heartbeat),
                ("board", View::Board),
            ],
        ),
    };
    let heartbeat_phase = match t.peek("heartbeat_phase") {
        None => HeartbeatPhase::Random,
        Some(_) => t.choice(
            "heartbeat_phase",
            HeartbeatPhase::Random,
            &[
                ("random", HeartbeatPhase::Random),
                ("sync", HeartbeatPhase::Sync),
            ],
        ),
    };
    let score = t.sub("score", |s| {
        let weight =
            |key, default| s.number(key, default, |x| range_msg(x >= 0.0, "a weight >= 0"));
        ScoreWeights {
            latency: weight("latency", 1.0),
            load: weight("load", 15.0),
            reputation: weight("reputation", 50.0),
        }
    });
    CoordinatorConfig {
        policy,
        d: d as u32,
        queue,
        discipline,
        max_attempts,
        timeout_ms,
        backoff_ms,
        score,
        heartbeat_ms,
        miss_limit,
        copies,
        hedge_ms,
        cancel,
        quorum,
        cancel_on_timeout,
        drop_late,
        tail_keys: [
            "copies",
            "hedge_ms",
            "cancel",
            "quorum",
            "cancel_on_timeout",
            "drop_late",
        ]
        .iter()
        .any(|k| t.peek(k).is_some()),
        quorum_given: t.peek("quorum").is_some(),
        count,
        view,
        heartbeat_phase,
    }
}

fn reputation(t: &Table) -> ReputationConfig {
    let unit = |x: f64| range_msg((0.0..=1.0).contains(&x), "a number in [0, 1]");
    let model = t.choice(
        "model",
        "additive",
        &[("additive", "additive"), ("ewma", "ewma"), ("beta", "beta")],
    );
    // Every parameter is read (and checked) whatever the model: a sweep
    // over models keeps them.
    let success = t.number("success", 0.02, unit);
    let failure = t.number("failure", 0.05, unit);
    let alpha = t.number("alpha", 0.1, |x| {
        range_msg(x > 0.0 && x <= 1.0, "a weight in (0, 1]")
    });
    let model = match model {
        "additive" => ReputationModel::Additive { success, failure },
        "ewma" => ReputationModel::Ewma { alpha },
        _ => ReputationModel::Beta,
    };
    let initial = match t.peek("initial") {
        Some(
            node @ Node {
                value: Value::Str(s),
                ..
            },
        ) => {
            t.resolve("initial", node.clone());
            if s == "reliability" {
                InitialReputation::Reliability
            } else {
                t.fail(t.error(
                    node,
                    "initial",
                    format!(
                        "expected a number in [0, 1] or \"reliability\", found {}",
                        node.value.describe()
                    ),
                ));
                InitialReputation::Value(0.5)
            }
        }
        _ => InitialReputation::Value(t.number("initial", 0.5, unit)),
    };
    let exclude_below = t.number("exclude_below", 0.0, unit);
    // Written into the resolved scenario only if given, as before it was.
    let half_life_s = t.peek("half_life_s").is_some().then(|| {
        t.number("half_life_s", 1.0, |x| {
            range_msg(
                x > 0.0 && x * 1e3 <= MAX_TIME_MS,
                "a half-life in seconds, > 0 (how long until half of what was heard of a peer is forgotten)",
            )
        })
    });
    ReputationConfig {
        model,
        initial,
        exclude_below,
        half_life_s,
    }
}

fn output(t: &Table) -> OutputOptions {
    OutputOptions {
        frames: t.boolean("frames", true),
        attempts: t.boolean("attempts", false),
        charts: t.boolean("charts", true),
        format: t.choice(
            "format",
            Format::Svg,
            &[("svg", Format::Svg), ("png", Format::Png)],
        ),
    }
}

/// `[[peers]]`: one table per group.
fn peers(root: &Table) -> Vec<PeerGroup> {
    root.mark("peers");
    let Some(node) = root.peek("peers") else {
        root.fail(root.error_here(
            "missing `[[peers]]`: a scenario needs at least one group of peers".into(),
        ));
        return Vec::new();
    };
    let Value::Array(items) = &node.value else {
        root.fail(root.error(
            node,
            "peers",
            format!(
                "expected groups of peers written as [[peers]] tables, found {}",
                node.value.describe()
            ),
        ));
        return Vec::new();
    };
    if items.is_empty() {
        root.fail(root.error(node, "peers", "expected at least one group of peers".into()));
        return Vec::new();
    }
    let mut groups: Vec<PeerGroup> = Vec::new();
    let mut resolved = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let g = Table::open(root.reader, Some(item), format!("peers[{i}]"));
        groups.push(group(&g, i, &groups));
        resolved.push(g.finish());
    }
    root.resolve(
        "peers",
        Node {
            value: Value::Array(resolved),
            origin: Origin::Default,
        },
    );
    groups
}

fn group(g: &Table, i: usize, before: &[PeerGroup]) -> PeerGroup {
    let name = g.name("group", format!("group{i}"));
    if let Some(node) = g.peek("group") {
        if name.bytes().all(|b| b.is_ascii_digit()) {
            g.fail(g.error(
                node,
                "group",
                format!(
                    "expected a group name that is not a number (`peers.N` means the group at index N), found \"{name}\""
                ),
            ));
        }
    }
    if before.iter().any(|o| o.name == name) {
        g.fail(g.error_at("group", format!("the group name `{name}` is used twice")));
    }
    PeerGroup {
        name,
        count: g.whole("count", 1, 0, MAX_PEERS) as u32,
        slots: g.dist("slots", 1.0, Quantity::Slots),
        speed: g.dist("speed", 1.0, Quantity::Speed),
        latency_ms: g.dist("latency_ms", 0.0, Quantity::Delay),
        jitter_ms: g.dist("jitter_ms", 0.0, Quantity::Delay),
        reliability: g.dist("reliability", 1.0, Quantity::Probability),
        failure: g.choice(
            "failure",
            FailureMode::Error,
            &[
                ("error", FailureMode::Error),
                ("silent", FailureMode::Silent),
            ],
        ),
        churn: churn::churn(g),
        downlink_mbps: g.optional_dist("downlink_mbps", Quantity::Bandwidth),
        uplink_mbps: g.optional_dist("uplink_mbps", Quantity::Bandwidth),
        // Written into the resolved scenario only if given, as the
        // scenario files of runs without it were.
        slowdown: g
            .optional_dist("slowdown", Quantity::Factor)
            .unwrap_or(Dist::constant(1.0)),
        wrong: g.optional_dist("wrong", Quantity::Probability),
        price_per_hour: g.optional_dist("price_per_hour", Quantity::Price),
        power_w: cost::power(g),
    }
}

/// A task's processing, `work_ms / speed`, must fit the clock with the
/// slowest speed a peer of group `i` can draw.
fn processing_fits_the_clock(root: &Table, i: usize, g: &PeerGroup, work: &Dist) {
    let (_, work_high) = work.practical_range();
    let (slowest, _) = g.speed.practical_range();
    let (_, slowdown) = g.slowdown.practical_range();
    let longest = work_high * slowdown / slowest.max(MIN_SPEED);
    if longest > MAX_TIME_MS {
        let path = format!("peers.{i}.speed");
        let (takes, slowdown) = if slowdown == 1.0 {
            ("work_ms / speed", String::new())
        } else {
            (
                "work_ms x slowdown / speed",
                format!(", slowdown up to about {slowdown:.3e},"),
            )
        };
        root.fail(root.error_at_path_named(
            &path,
            format!("peers[{i}].speed"),
            format!(
                "processing takes {takes}, which can reach about {longest:.3e} ms \
                 (work_ms up to about {work_high:.3e} ms{slowdown} at speed {slowest:.3e}); \
                 expected at most {MAX_TIME_MS:e} ms (the nanosecond clock ends at about 1.8e13 ms)"
            ),
        ));
    }
}

fn range_msg(ok: bool, expected: &str) -> std::result::Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("expected {expected}"))
    }
}

/// A number as read: finite, and never -0.0 (it would be written so).
fn canonical(x: f64) -> f64 {
    x + 0.0
}

fn float(x: f64) -> Node {
    Node {
        value: Value::Float(x),
        origin: Origin::Default,
    }
}

fn int(i: u64) -> Node {
    Node {
        value: Value::Int(i128::from(i)),
        origin: Origin::Default,
    }
}

fn string(s: &str) -> Node {
    Node {
        value: Value::Str(s.to_string()),
        origin: Origin::Default,
    }
}

/// A table being read: where it is, what it holds, which of its keys were
/// read and what they resolved to.
pub(super) struct Table<'a> {
    reader: &'a Reader<'a>,
    path: String,
    /// `None` when the table is absent: every key takes its default.
    node: Option<&'a Node>,
    /// Keys read so far.
    read: RefCell<Vec<String>>,
    /// The values they resolved to, in reading order.
    resolved: RefCell<Vec<Entry>>,
    /// No error had been recorded when the table was opened.
    clean_at_open: bool,
    /// Whether unknown keys are looked for: not in a table that is not one,
    /// nor in a distribution of unknown kind.
    checks_keys: Cell<bool>,
}

impl<'a> Table<'a> {
    /// Opens `node` as the table at `path`: an error if it is not a table.
    pub(super) fn open(reader: &'a Reader<'a>, node: Option<&'a Node>, path: String) -> Table<'a> {
        let table = Table {
            reader,
            path,
            node,
            read: RefCell::new(Vec::new()),
            resolved: RefCell::new(Vec::new()),
            clean_at_open: reader.clean(),
            checks_keys: Cell::new(true),
        };
        if let Some(node) = node {
            if !matches!(node.value, Value::Table(_)) {
                let at = table.path.clone();
                table.fail(table.diagnostic(
                    &node.origin,
                    Some(at),
                    format!("expected a table, found {}", node.value.describe()),
                ));
                table.checks_keys.set(false);
                return Table {
                    node: None,
                    ..table
                };
            }
        }
        table
    }

    /// Reads the sub-table `key` with `read`, then finishes it: its unknown
    /// keys are found and its resolved values kept under `key`.
    pub(super) fn sub<T>(&self, key: &str, read: impl FnOnce(&Table<'a>) -> T) -> T {
        let t = self.table(key);
        let value = read(&t);
        self.resolve(key, t.finish());
        value
    }

    /// The sub-table `key`; absent means all defaults. The caller finishes
    /// it.
    pub(super) fn table(&self, key: &str) -> Table<'a> {
        self.mark(key);
        Table::open(self.reader, self.peek(key), self.key_path(key))
    }

    /// Records the first unknown key as an error (before any error found
    /// since the table was opened), and returns the values resolved.
    pub(super) fn finish(&self) -> Node {
        if let (
            true,
            Some(Node {
                value: Value::Table(entries),
                ..
            }),
        ) = (self.checks_keys.get(), self.node)
        {
            let read = self.read.borrow();
            if let Some(e) = entries.iter().find(|e| !read.contains(&e.key)) {
                let d = self.unknown(e, &read);
                if self.clean_at_open {
                    *self.reader.first.borrow_mut() = Some(d);
                } else {
                    self.reader.fail(d);
                }
            }
        }
        Node {
            value: Value::Table(self.resolved.take()),
            origin: Origin::Default,
        }
    }

    fn unknown(&self, e: &Entry, known: &[String]) -> Diagnostic {
        let hint = match nearest(&e.key, known.iter().map(String::as_str)) {
            Some(k) => format!("; did you mean `{k}`?"),
            None => format!("; expected one of: {}", known.join(", ")),
        };
        let what = if self.path.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in `{}`", self.path)
        };
        self.diagnostic(
            &e.key_origin,
            Some(self.key_path(&e.key)),
            format!("unknown key {what}{hint}"),
        )
    }

    /// Marks `key` as read: it is known.
    pub(super) fn mark(&self, key: &str) {
        let mut read = self.read.borrow_mut();
        if !read.iter().any(|k| k == key) {
            read.push(key.to_string());
        }
    }

    /// Keeps `node` as the value `key` resolved to.
    pub(super) fn resolve(&self, key: &str, node: Node) {
        self.mark(key);
        self.resolved.borrow_mut().push(Entry {
            key: key.to_string(),
            key_origin: Origin::Default,
            node,
        });
    }

    /// The value of `key`, if given, without reading it.
    pub(super) fn peek(&self, key: &str) -> Option<&'a Node> {
        self.node.and_then(|n| n.get(key))
    }

    /// The value of `key`, if given, read as is.
    pub(super) fn get(&self, key: &str) -> Option<&'a Node> {
        self.mark(key);
        self.peek(key)
    }

    pub(super) fn fail(&self, d: Diagnostic) {
        self.reader.fail(d);
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
            Origin::File(span) => (Some(line_col(&self.reader.src.text, span.start)), None),
            Origin::Set(text) => (None, Some(text.clone())),
            Origin::Default => (None, None),
        };
        Diagnostic {
            file: self.reader.src.path.clone(),
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
            .peek(key)
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

    /// An error about the value at the dotted `path` below this table
    /// (`peers.0.speed` takes the first group), located at the deepest
    /// part of it that is given.
    fn error_at_path(&self, path: &str, message: String) -> Diagnostic {
        let key = (!path.is_empty()).then(|| path.to_string());
        self.error_at_path_named(path, key.unwrap_or_default(), message)
    }

    fn error_at_path_named(&self, path: &str, key: String, message: String) -> Diagnostic {
        let mut at = self.node;
        let mut origin = at.map_or(Origin::Default, |n| n.origin.clone());
        for part in path.split('.').filter(|p| !p.is_empty()) {
            at = at.and_then(|n| match &n.value {
                Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => n.get(part),
            });
            match at {
                Some(n) => origin = n.origin.clone(),
                None => break,
            }
        }
        let key = (!key.is_empty()).then_some(key);
        self.diagnostic(&origin, key, message)
    }

    pub(super) fn number(
        &self,
        key: &str,
        default: f64,
        check: impl Fn(f64) -> std::result::Result<(), String>,
    ) -> f64 {
        let x = match self.get(key) {
            None => default,
            Some(node) => match self.finite(node, key) {
                Some(x) => match check(x) {
                    Ok(()) => x,
                    Err(m) => {
                        self.fail(self.error(node, key, format!("{m}, found {}", num(x))));
                        default
                    }
                },
                None => default,
            },
        };
        self.resolve(key, float(x));
        x
    }

    /// A finite number, or an error recorded.
    fn finite(&self, node: &Node, key: &str) -> Option<f64> {
        let x = match node.value {
            Value::Int(i) => i as f64,
            Value::Float(x) => x,
            ref other => {
                self.fail(self.error(
                    node,
                    key,
                    format!("expected a number, found {}", other.describe()),
                ));
                return None;
            }
        };
        if x.is_finite() {
            Some(canonical(x))
        } else {
            self.fail(self.error(
                node,
                key,
                format!("expected a finite number, found {}", num(x)),
            ));
            None
        }
    }

    /// A whole number in `[min, max]`, or an error recorded.
    fn whole_of(&self, node: &Node, key: &str, min: u64, max: u64) -> Option<u64> {
        match node.value {
            Value::Int(i) if i >= i128::from(min) && i <= i128::from(max) => Some(i as u64),
            Value::Int(i) => {
                self.fail(self.error(
                    node,
                    key,
                    format!("expected a whole number from {min} to {max}, found {i}"),
                ));
                None
            }
            ref other => {
                self.fail(self.error(
                    node,
                    key,
                    format!(
                        "expected a whole number (written without a decimal point), found {}",
                        other.describe()
                    ),
                ));
                None
            }
        }
    }

    pub(super) fn whole(&self, key: &str, default: u64, min: u64, max: u64) -> u64 {
        let n = self
            .get(key)
            .and_then(|node| self.whole_of(node, key, min, max))
            .unwrap_or(default);
        self.resolve(key, int(n));
        n
    }

    pub(super) fn boolean(&self, key: &str, default: bool) -> bool {
        let b = match self.get(key) {
            None => default,
            Some(Node {
                value: Value::Bool(b),
                ..
            }) => *b,
            Some(node) => {
                self.fail(self.error(
                    node,
                    key,
                    format!("expected true or false, found {}", node.value.describe()),
                ));
                default
            }
        };
        self.resolve(
            key,
            Node {
                value: Value::Bool(b),
                origin: Origin::Default,
            },
        );
        b
    }

    /// A string, or an error recorded.
    pub(super) fn string(&self, node: &'a Node, key: &str) -> Option<&'a str> {
        match &node.value {
            Value::Str(s) => Some(s),
            other => {
                self.fail(self.error(
                    node,
                    key,
                    format!("expected a string, found {}", other.describe()),
                ));
                None
            }
        }
    }

    /// A name for a folder or a group: letters, digits, `-`, `_`, `.`, not
    /// starting with `.`, at most [`MAX_NAME_BYTES`] bytes.
    pub(super) fn name(&self, key: &str, default: String) -> String {
        let name = match self.get(key) {
            None => default,
            Some(node) => match self.string(node, key) {
                None => default,
                Some(s) => {
                    let ok = !s.is_empty()
                        && !s.starts_with('.')
                        && s.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c));
                    if !ok {
                        self.fail(self.error(
                            node,
                            key,
                            format!(
                                "expected a name of letters, digits, '-', '_' and '.', found {}",
                                shown(s, '"', '"')
                            ),
                        ));
                        default
                    } else if s.len() > MAX_NAME_BYTES {
                        self.fail(self.error(
                            node,
                            key,
                            format!(
                                "expected a name of at most {MAX_NAME_BYTES} bytes (it names a folder), found one of {} bytes",
                                s.len()
                            ),
                        ));
                        default
                    } else {
                        s.to_string()
                    }
                }
            },
        };
        self.resolve(key, string(&name));
        name
    }

    pub(super) fn choice<T: Copy + PartialEq>(
        &self,
        key: &str,
        default: T,
        options: &[(&str, T)],
    ) -> T {
        let value = self
            .get(key)
            .and_then(|node| self.choice_of(node, key, options))
            .unwrap_or(default);
        if let Some((name, _)) = options.iter().find(|(_, v)| *v == value) {
            self.resolve(key, string(name));
        }
        value
    }

    fn choice_of<T: Copy>(&self, node: &'a Node, key: &str, options: &[(&str, T)]) -> Option<T> {
        let s = self.string(node, key)?;
        if let Some((_, v)) = options.iter().find(|(name, _)| *name == s) {
            return Some(*v);
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let hint = nearest(s, names.iter().copied())
            .map(|n| format!(" (did you mean \"{n}\"?)"))
            .unwrap_or_default();
        self.fail(self.error(
            node,
            key,
            format!(
                "expected one of {}, found {}{hint}",
                names
                    .iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                shown(s, '"', '"')
            ),
        ));
        None
    }

    fn required_dist(&self, key: &str, q: Quantity) -> Dist {
        if self.peek(key).is_none() {
            self.mark(key);
            self.fail(self.error_here(format!(
                "missing key `{key}`: a number or a distribution such as {{ dist = \"gamma\", mean = 6, sd = 2 }}"
            )));
            return Dist::constant(1.0);
        }
        self.dist(key, 1.0, q)
    }

    /// A distribution that may be left out: resolved only if given, so
    /// that the resolved scenario leaves it out too.
    fn optional_dist(&self, key: &str, q: Quantity) -> Option<Dist> {
        let node = self.get(key)?;
        let (dist, resolved) = self.read_dist(node, key, q)?;
        self.resolve(key, resolved);
        Some(dist)
    }

    fn dist(&self, key: &str, default: f64, q: Quantity) -> Dist {
        let constant = |x: f64| {
            if q == Quantity::Slots {
                int(x as u64)
            } else {
                float(x)
            }
        };
        let (dist, resolved) = match self.get(key) {
            None => (Dist::constant(default), constant(default)),
            Some(node) => self
                .read_dist(node, key, q)
                .unwrap_or_else(|| (Dist::constant(default), constant(default))),
        };
        self.resolve(key, resolved);
        dist
    }

    /// A number or a distribution table, with what it resolved to.
    fn read_dist(&self, node: &'a Node, key: &str, q: Quantity) -> Option<(Dist, Node)> {
        let (dist, resolved) = match &node.value {
            Value::Int(_) | Value::Float(_) => {
                if q == Quantity::Slots {
                    let n = self.whole_of(node, key, 1, u64::from(MAX_SLOTS))?;
                    (Dist::constant(n as f64), int(n))
                } else {
                    let x = self.finite(node, key)?;
                    (Dist::constant(x), float(x))
                }
            }
            Value::Table(_) => self.dist_table(node, key)?,
            other => {
                self.fail(self.error(
                    node,
                    key,
                    format!(
                        "expected a number or a distribution such as {{ dist = \"uniform\", low = 1, high = 2 }}, found {}",
                        other.describe()
                    ),
                ));
                return None;
            }
        };
        let dist = match q {
            Quantity::Delay
            | Quantity::Time
            | Quantity::PositiveTime
            | Quantity::Seconds
            | Quantity::Session
            | Quantity::Size => dist.at_least_zero(),
            _ => dist,
        };
        let horizon_ms = self.reader.horizon_ms.get();
        if let Err(m) = check_quantity(&dist, q, horizon_ms) {
            self.fail(self.error(node, key, m));
            return None;
        }
        Some((dist, resolved))
    }

    fn dist_table(&self, node: &'a Node, key: &str) -> Option<(Dist, Node)> {
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
        let t = Table::open(self.reader, Some(node), self.key_path(key));
        // The kind decides the keys: until it is known, none is checked.
        t.checks_keys.set(false);
        let Some(kind_node) = t.get("dist") else {
            self.fail(self.error(
                node,
                key,
                "a distribution table needs `dist`, e.g. { dist = \"uniform\", low = 1, high = 2 }"
                    .into(),
            ));
            return None;
        };
        let kind = t.string(kind_node, "dist")?;
        let Some((kind, params)) = KINDS.iter().find(|(k, _)| *k == kind) else {
            let names: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
            let hint = nearest(kind, names.iter().copied())
                .map(|n| format!(" (did you mean \"{n}\"?)"))
                .unwrap_or_default();
            t.fail(t.error(
                kind_node,
                "dist",
                format!(
                    "unknown distribution {}{hint}; expected one of {}",
                    shown(kind, '"', '"'),
                    names.join(", ")
                ),
            ));
            return None;
        };
        t.checks_keys.set(true);
        t.resolve("dist", string(kind));
        let param = |name: &str| -> Option<f64> {
            match t.get(name) {
                Some(n) => {
                    let x = t.finite(n, name)?;
                    t.resolve(name, float(x));
                    Some(x)
                }
                None => {
                    t.fail(t.error_here(format!(
                        "missing `{name}`: a {kind} distribution needs {}",
                        params.join(" and ")
                    )));
                    None
                }
            }
        };
        let built = match *kind {
            "uniform" => {
                let (low, high) = (param("low"), param("high"));
                low.zip(high).map(|(l, h)| Dist::uniform(l, h))
            }
            "exponential" => param("mean").map(Dist::exponential),
            "normal" | "lognormal" | "gamma" => {
                let (mean, sd) = (param("mean"), param("sd"));
                mean.zip(sd).map(|(m, s)| match *kind {
                    "normal" => Dist::normal(m, s),
                    "lognormal" => Dist::lognormal(m, s),
                    _ => Dist::gamma(m, s),
                })
            }
            "weibull" | "pareto" => {
                let (scale, shape) = (param("scale"), param("shape"));
                scale.zip(shape).map(|(a, b)| {
                    if *kind == "weibull" {
                        Dist::weibull(a, b)
                    } else {
                        Dist::pareto(a, b)
                    }
                })
            }
            _ => {
                let values = t.numbers("values");
                if let Some(None) = values {
                    t.fail(
                        t.error_here("missing `values`: a choice needs a list of values".into()),
                    );
                }
                let weights = t.numbers("weights");
                match (values, weights) {
                    (Some(Some(values)), Some(weights)) => Some(Dist::choice(values, weights)),
                    _ => None,
                }
            }
        };
        let resolved = t.finish();
        let dist = match built? {
            Ok(d) => d,
            Err(m) => {
                self.fail(self.error(node, key, m));
                return None;
            }
        };
        Some((dist, resolved))
    }

    /// An optional list of finite numbers: `None` on error (recorded),
    /// `Some(None)` when absent.
    fn numbers(&self, key: &str) -> Option<Option<Vec<f64>>> {
        let Some(node) = self.get(key) else {
            return Some(None);
        };
        let Value::Array(items) = &node.value else {
            self.fail(self.error(
                node,
                key,
                format!(
                    "expected a list of numbers, found {}",
                    node.value.describe()
                ),
            ));
            return None;
        };
        let mut xs = Vec::with_capacity(items.len());
        for n in items {
            xs.push(self.finite(n, key)?);
        }
        self.resolve(
            key,
            Node {
                value: Value::Array(xs.iter().map(|&x| float(x)).collect()),
                origin: Origin::Default,
            },
        );
        Some(Some(xs))
    }
}

/// Checks that a distribution's draws are what `q` needs and can be
/// represented: a finite mean, draws within the clock (times), within
/// reach of the run (delays), within the slots a peer may have, or fast
/// enough to be a speed.
fn check_quantity(dist: &Dist, q: Quantity, horizon_ms: f64) -> std::result::Result<(), String> {
    let (low, high) = dist.range();
    let bounded = matches!(
        dist,
        Dist::Constant(_) | Dist::Uniform { .. } | Dist::Choice { .. }
    );
    let is_normal = matches!(dist, Dist::Normal { .. });
    let is_time = matches!(q, Quantity::Delay | Quantity::Time | Quantity::PositiveTime);
    match q {
        Quantity::Delay | Quantity::Time if !is_normal && low < 0.0 => {
            return Err(format!(
                "expected a time in milliseconds, not negative; this can be {}",
                num(low)
            ))
        }
        Quantity::Seconds | Quantity::Session if !is_normal && low < 0.0 => {
            return Err(format!(
                "expected a time in seconds, not negative; this can be {}",
                num(low)
            ))
        }
        Quantity::PositiveTime if is_normal => {
            return Err(
                "expected a time in milliseconds, > 0, which a normal distribution cannot promise \
                 (a gamma or a lognormal can)"
                    .into(),
            )
        }
        Quantity::PositiveTime if low < 0.0 || high <= 0.0 => {
            return Err(format!(
                "expected a time in milliseconds, > 0; this can be {}",
                num(if high <= 0.0 { high } else { low })
            ))
        }
        Quantity::Probability if !bounded || low < 0.0 || high > 1.0 => {
            return Err(format!(
                "expected a probability in [0, 1] (a number, a uniform or a choice within [0, 1]); this can be {}",
                num(if low < 0.0 { low } else { high })
            ))
        }
        Quantity::Speed if is_normal || (bounded && low <= 0.0) => {
            return Err(format!(
                "expected a speed > 0 (1.0 = the reference GPU); this can be {}",
                num(low)
            ))
        }
        Quantity::Factor if is_normal || low < 0.0 => {
            return Err(format!(
                "expected a slowdown, not negative (it multiplies the processing time); this can be {}",
                num(low)
            ))
        }
        Quantity::Size if !is_normal && low < 0.0 => {
            return Err(format!(
                "expected a size in kB, not negative; this can be {}",
                num(low)
            ))
        }
        Quantity::Price | Quantity::Power if is_normal || low < 0.0 => {
            let what = if q == Quantity::Price {
                "a price per hour"
            } else {
                "a power in watts"
            };
            return Err(format!(
                "expected {what}, not negative (a number, or a distribution that cannot \
                 draw below 0: not a normal); this can be {}",
                num(if is_normal { f64::NEG_INFINITY } else { low })
            ));
        }
        Quantity::Bandwidth if is_normal || low <= 0.0 => {
            return Err(format!(
                "expected a bandwidth in Mbps that cannot come near 0 (a number, a uniform \
                 or a choice above 0, or a Pareto); this can be {}",
                num(if is_normal { f64::NEG_INFINITY } else { low })
            ))
        }
        _ => {}
    }
    let mean = dist.mean();
    // A session may have an infinite mean (then its preroll must be given).
    let infinite_session = q == Quantity::Session && mean == f64::INFINITY;
    if !mean.is_finite() && !infinite_session {
        let why = match dist {
            Dist::Pareto { .. } => " (a Pareto's mean is finite only with shape > 1)",
            Dist::Weibull { .. } => {
                " (a Weibull's mean, scale x Gamma(1 + 1/shape), overflows when its shape is this small)"
            }
            _ => "",
        };
        let is = if mean.is_nan() {
            "not a number"
        } else {
            "infinite"
        };
        return Err(format!(
            "expected a distribution whose mean is a finite number; this one's mean is {is}{why}"
        ));
    }
    if let Dist::Normal { mean, .. } = dist {
        if is_time && *mean < 0.0 {
            return Err(format!(
                "a normal time counts its negative draws as 0: expected a mean >= 0, found {}",
                num(*mean)
            ));
        }
    }
    let (lowest, highest) = dist.practical_range();
    let can = |x: f64| {
        if dist.is_constant() {
            format!("found {x:e}")
        } else {
            format!("this distribution can draw about {x:.3e}")
        }
    };
    match q {
        _ if is_time && (highest.is_nan() || highest > MAX_TIME_MS) => Err(format!(
            "expected a time of at most {MAX_TIME_MS:e} ms (the nanosecond clock ends at about 1.8e13 ms); {}",
            can(highest)
        )),
        Quantity::Delay if lowest > DELAY_HORIZON_FACTOR * horizon_ms => Err(format!(
            "every draw is at least {} ms, over {DELAY_HORIZON_FACTOR} times the run's \
             {} ms (duration_s + drain_s): what it delays could only happen after the run",
            num(lowest),
            num(horizon_ms)
        )),
        Quantity::Slots if highest.is_nan() || highest.round() > f64::from(MAX_SLOTS) => Err(format!(
            "expected slots from 1 to {MAX_SLOTS} (draws below 1 count as 1); {}",
            can(highest)
        )),
        Quantity::Speed if lowest.is_nan() || lowest < MIN_SPEED => Err(format!(
            "expected a speed of at least {MIN_SPEED:e}; {}",
            can(lowest)
        )),
        Quantity::Speed if !highest.is_finite() => Err(format!(
            "expected a speed that is a finite number; {}",
            can(highest)
        )),
        Quantity::Factor | Quantity::Bandwidth | Quantity::Price | Quantity::Power
            if !highest.is_finite() || highest > 1e12 =>
        {
            Err(format!(
                "expected a finite number of at most 1e12; {}",
                can(highest)
            ))
        }
        Quantity::Size if highest.is_nan() || highest > MAX_SIZE_KB => Err(format!(
            "expected a size of at most {MAX_SIZE_KB:e} kB; {}",
            can(highest)
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn first_error(text: &str) -> String {
        let src = Source::parse(Path::new("s.toml"), text.to_string()).unwrap();
        scenario(&src, &Limits::DEFAULT).unwrap_err().to_string()
    }

    const PEERS: &str = "[[peers]]\ncount = 2\n";

    /// The order the reader reported errors in when each table's keys were
    /// listed by hand and checked on opening it: a table's unknown keys
    /// before anything found since it was opened, earlier tables first.
    #[test]
    fn unknown_keys_come_before_what_follows_them_and_after_what_precedes() {
        // A misspelt required key: the unknown key, not the missing one.
        let e = first_error(&format!("[workload]\nwrk_ms = 5\n{PEERS}"));
        assert!(
            e.contains("`workload.wrk_ms`: unknown key in `workload`; did you mean `work_ms`?"),
            "{e}"
        );
        // An unknown table at the top comes before any bad value.
        let e = first_error(&format!(
            "[simulation]\nduration_s = -1\n[workload]\nwork_ms = 5\n[outptu]\n{PEERS}"
        ));
        assert!(e.contains("`outptu`: unknown key at the top level"), "{e}");
        // A bad value in an earlier table comes before a later table's
        // unknown key.
        let e = first_error(&format!(
            "[simulation]\nduration_s = -1\n[workload]\nwork_ms = 5\nfsp = 3\n{PEERS}"
        ));
        assert!(e.contains("`simulation.duration_s`"), "{e}");
        // Within a distribution: its unknown key before its missing one,
        // and an unknown kind before both.
        let e = first_error(&format!(
            "[workload]\nwork_ms = {{ dist = \"uniform\", low = 1, hgh = 2 }}\n{PEERS}"
        ));
        assert!(
            e.contains(
                "`workload.work_ms.hgh`: unknown key in `workload.work_ms`; did you mean `high`?"
            ),
            "{e}"
        );
        let e = first_error(&format!(
            "[workload]\nwork_ms = {{ dist = \"unifrm\", low = 1, hgh = 2 }}\n{PEERS}"
        ));
        assert!(e.contains("unknown distribution \"unifrm\""), "{e}");
        // A table that is not one, then nothing of it is checked.
        let e = first_error(&format!("workload = 3\n{PEERS}"));
        assert!(
            e.contains("`workload`: expected a table, found the integer 3"),
            "{e}"
        );
    }

    #[test]
    fn every_key_read_is_resolved_with_its_value() {
        let src = Source::parse(
            Path::new("s.toml"),
            format!("[workload]\nwork_ms = 5\n{PEERS}"),
        )
        .unwrap();
        let s = scenario(&src, &Limits::DEFAULT).unwrap();
        let text = s.resolved_toml();
        for line in [
            "name = \"s\"",
            "seed = 1",
            "work_ms = 5.0",
            "deadline_ms = 150.0",
            "policy = \"least_loaded\"",
            "count = 2",
            "group = \"group0\"",
            "slots = 1",
            "initial = 0.5",
            "format = \"svg\"",
        ] {
            assert!(text.contains(&format!("\n{line}\n")), "{line} in\n{text}");
        }
    }
}
