//! Scenario files: TOML in, a validated [`Scenario`] out. Every key is
//! checked (unknown keys refused, with the nearest valid one suggested),
//! every value is range-checked, what the scenario would cost (memory,
//! events, output) is checked against [`Limits`], and every error names the
//! file, the key path, the line and column and what was expected. See
//! README.md for the format, every key, its unit and its default.
//!
//! A validated scenario also knows itself resolved, every key with the
//! value it took: [`Scenario::resolved_toml`] writes that out, and reading
//! the text back gives the same [`Config`].

pub mod cost;
pub mod doc;
mod error;
mod read;
mod sweep;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use cost::{Cost, Exceeded, Limits, SweepCost};
pub use doc::{Node, Value};
pub use error::{Diagnostic, Origin, ScenarioError};
pub use sweep::{Points, SweepFile, SweepOverrides, SweepPoint};

use crate::model::Config;
use crate::output::charts::Format;

/// A validated scenario: the model's configuration plus what to write.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub path: PathBuf,
    pub config: Config,
    pub output: OutputOptions,
    /// Every key read, with the value it resolved to (given or default),
    /// in reading order: the document [`resolved_toml`](Self::resolved_toml)
    /// writes.
    resolved: Node,
    /// The files it was read from: the scenario, then any trace.
    pub inputs: Vec<Input>,
}

/// A file a scenario was read from, and its fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// SHA-256 of its bytes, in hexadecimal.
    pub sha256: String,
}

impl Scenario {
    /// The scenario as it runs, as TOML: every key with its value, defaults
    /// written out, overrides applied, the seed, distributions as tables,
    /// the peer groups in order with their names, and `[output]`. Reading it
    /// back (from any path) gives the same [`Config`] and output options.
    pub fn resolved_toml(&self) -> String {
        format!(
            "# The scenario as it ran: every key resolved, defaults written out and\n\
             # overrides applied. `p2c2g run` on this file runs it again.\n\n{}",
            doc::to_toml(&self.resolved)
        )
    }

    /// The fingerprint of the scenario as it runs: the SHA-256 of
    /// [`resolved_toml`](Self::resolved_toml).
    pub fn sha256(&self) -> String {
        crate::digest::sha256_hex(self.resolved_toml().as_bytes())
    }

    /// What running this scenario costs, estimated: memory, events, and
    /// the size of the files its `output` options write.
    pub fn cost(&self) -> Cost {
        cost::estimate(&self.config, &self.output)
    }

    /// Runs with `seed` instead (a sweep's replication): the configuration
    /// and the resolved scenario both change.
    pub fn set_seed(&mut self, seed: u64) {
        self.config.seed = seed;
        if let Value::Table(tables) = &mut self.resolved.value {
            let simulation = tables.iter_mut().find(|e| e.key == "simulation");
            if let Some(Value::Table(keys)) = simulation.map(|e| &mut e.node.value) {
                if let Some(e) = keys.iter_mut().find(|e| e.key == "seed") {
                    e.node.value = Value::Int(i128::from(seed));
                }
            }
        }
    }
}

/// The `[output]` table: which files a run writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputOptions {
    /// frames.csv, one row per counted frame.
    pub frames: bool,
    /// attempts.csv, one row per attempt.
    pub attempts: bool,
    pub charts: bool,
    pub format: Format,
}

/// A scenario file's text, parsed, with overrides applied, not yet checked.
#[derive(Clone)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
    pub doc: Node,
}

/// Reads `path` whole, refusing a file larger than `limits.input_bytes`
/// (unless forced) before holding it: a scenario, a sweep or any input a
/// scenario names.
pub fn read_input(path: &Path, limits: &Limits) -> Result<Vec<u8>, ScenarioError> {
    let failed = |source| ScenarioError::Read {
        file: path.to_path_buf(),
        named_by: None,
        source,
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    let most = if limits.force {
        u64::MAX
    } else {
        limits.input_bytes
    };
    let mut bytes = Vec::new();
    file.take(most.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > most {
        let size = std::fs::metadata(path)
            .map(|m| cost::bytes(m.len() as f64))
            .unwrap_or_else(|_| format!("more than {}", cost::bytes(most as f64)));
        return Err(ScenarioError::Invalid(Box::new(Diagnostic {
            file: path.to_path_buf(),
            line_col: None,
            set: None,
            key: None,
            message: format!(
                "the file is {size}, more than the limit of {} for an input file; --force lifts the limit",
                cost::bytes(most as f64)
            ),
        })));
    }
    Ok(bytes)
}

impl Source {
    /// Reads and parses `path`, with the default [`Limits`].
    pub fn read(path: &Path) -> Result<Source, ScenarioError> {
        Source::read_with(path, &Limits::DEFAULT)
    }

    /// Reads and parses `path`, no larger than `limits.input_bytes`.
    pub fn read_with(path: &Path, limits: &Limits) -> Result<Source, ScenarioError> {
        let bytes = read_input(path, limits)?;
        Source::parse(path, Source::text(path, bytes)?)
    }

    /// The bytes of `path` as text, or where they stop being UTF-8.
    fn text(path: &Path, bytes: Vec<u8>) -> Result<String, ScenarioError> {
        String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let valid = std::str::from_utf8(valid).expect("valid up to there");
            ScenarioError::Invalid(Box::new(Diagnostic {
                file: path.to_path_buf(),
                line_col: Some(error::line_col(valid, valid.len())),
                set: None,
                key: None,
                message: "not UTF-8 text (a TOML file must be UTF-8)".into(),
            }))
        })
    }

    /// Parses `text` as if read from `path`.
    pub fn parse(path: &Path, text: String) -> Result<Source, ScenarioError> {
        match doc::parse(&text) {
            Ok(doc) => Ok(Source {
                path: path.to_path_buf(),
                text,
                doc,
            }),
            Err(e) => {
                let line_col = e.span().map(|s| error::line_col(&text, s.start));
                Err(ScenarioError::Invalid(Box::new(Diagnostic {
                    file: path.to_path_buf(),
                    line_col,
                    set: None,
                    key: None,
                    message: format!("not valid TOML: {}", doc::toml_message(&text, &e)),
                })))
            }
        }
    }

    /// Applies one `PATH=VALUE` override (the syntax of `--set` and of a
    /// sweep grid).
    pub fn set(&mut self, assignment: &str) -> Result<(), ScenarioError> {
        let from = format!("--set {}", error::cut(assignment));
        let fail = |message: String| {
            ScenarioError::Invalid(Box::new(Diagnostic {
                file: self.path.clone(),
                line_col: None,
                set: Some(from.clone()),
                key: None,
                message,
            }))
        };
        let Some((path, value)) = assignment.split_once('=') else {
            return Err(fail(
                "expected PATH=VALUE, e.g. coordinator.policy=random".into(),
            ));
        };
        let origin = Origin::Set(from.clone());
        let node = doc::parse_set_value(value.trim(), origin)
            .map_err(|e| fail(format!("the value is not valid TOML: {e}")))?;
        doc::apply(&mut self.doc, path.trim(), node).map_err(fail)
    }

    /// Sets the value at `path` to `node` (a sweep's grid value).
    pub fn set_node(&mut self, path: &str, node: Node) -> Result<(), String> {
        doc::apply(&mut self.doc, path, node)
    }

    /// Checks everything and builds the scenario, with the default
    /// [`Limits`].
    pub fn validate(&self) -> Result<Scenario, ScenarioError> {
        self.validate_with(&Limits::DEFAULT)
    }

    /// Checks everything, builds the scenario and checks its cost against
    /// `limits`.
    pub fn validate_with(&self, limits: &Limits) -> Result<Scenario, ScenarioError> {
        read::scenario(self, limits).map_err(|e| ScenarioError::Invalid(Box::new(e)))
    }
}

/// Reads, overrides and validates a scenario file in one go, with the
/// default [`Limits`].
pub fn load(path: &Path, sets: &[String]) -> Result<Scenario, ScenarioError> {
    load_with(path, sets, &Limits::DEFAULT)
}

/// Reads, overrides and validates a scenario file, checking its size and
/// its cost against `limits`.
pub fn load_with(path: &Path, sets: &[String], limits: &Limits) -> Result<Scenario, ScenarioError> {
    let mut source = Source::read_with(path, limits)?;
    for s in sets {
        source.set(s)?;
    }
    source.validate_with(limits)
}
