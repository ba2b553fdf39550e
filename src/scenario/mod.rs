//! Scenario files: TOML in, a validated [`Scenario`] out. Every key is
//! checked (unknown keys refused, with the nearest valid one suggested),
//! every value is range-checked, and every error names the file, the key
//! path, the line and column and what was expected. See README.md for the
//! format, every key, its unit and its default.

pub mod doc;
mod error;
mod read;
mod sweep;

use std::path::{Path, PathBuf};

pub use doc::{Node, Value};
pub use error::{Diagnostic, Origin, ScenarioError};
pub use sweep::{SweepFile, SweepPoint};

use crate::model::Config;

/// A validated scenario: the model's configuration plus what to write.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub path: PathBuf,
    pub config: Config,
    pub output: OutputOptions,
}

/// The `[output]` table: which files a run writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputOptions {
    /// frames.csv, one row per counted frame.
    pub frames: bool,
    /// attempts.csv, one row per attempt.
    pub attempts: bool,
    pub charts: bool,
    pub format: ChartFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartFormat {
    Svg,
    Png,
}

/// A scenario file's text, parsed, with overrides applied, not yet checked.
#[derive(Clone)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
    pub doc: Node,
}

impl Source {
    /// Reads and parses `path`.
    pub fn read(path: &Path) -> Result<Source, ScenarioError> {
        let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read {
            file: path.to_path_buf(),
            named_by: None,
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let valid = std::str::from_utf8(valid).expect("valid up to there");
            ScenarioError::Invalid(Box::new(Diagnostic {
                file: path.to_path_buf(),
                line_col: Some(error::line_col(valid, valid.len())),
                set: None,
                key: None,
                message: "not UTF-8 text (a TOML file must be UTF-8)".into(),
            }))
        })?;
        Source::parse(path, text)
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
        let fail = |message: String| {
            ScenarioError::Invalid(Box::new(Diagnostic {
                file: self.path.clone(),
                line_col: None,
                set: Some(format!("--set {assignment}")),
                key: None,
                message,
            }))
        };
        let Some((path, value)) = assignment.split_once('=') else {
            return Err(fail(
                "expected PATH=VALUE, e.g. coordinator.policy=random".into(),
            ));
        };
        let origin = Origin::Set(format!("--set {assignment}"));
        let node = doc::parse_set_value(value.trim(), origin)
            .map_err(|e| fail(format!("the value is not valid TOML: {e}")))?;
        doc::apply(&mut self.doc, path.trim(), node).map_err(fail)
    }

    /// Sets the value at `path` to `node` (a sweep's grid value).
    pub fn set_node(&mut self, path: &str, node: Node) -> Result<(), String> {
        doc::apply(&mut self.doc, path, node)
    }

    /// Checks everything and builds the scenario.
    pub fn validate(&self) -> Result<Scenario, ScenarioError> {
        read::scenario(self).map_err(|e| ScenarioError::Invalid(Box::new(e)))
    }
}

/// Reads, overrides and validates a scenario file in one go.
pub fn load(path: &Path, sets: &[String]) -> Result<Scenario, ScenarioError> {
    let mut source = Source::read(path)?;
    for s in sets {
        source.set(s)?;
    }
    source.validate()
}
