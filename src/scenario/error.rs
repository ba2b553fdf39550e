//! Errors in scenario input, each naming the file, the key path, the line
//! and column (where the value came from the file) and what was expected.
//! A file that cannot be read says so; the system's reason is the error's
//! `source`, printed once after it.

use std::fmt;
use std::path::PathBuf;

/// Where a value came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// A byte range of the scenario file.
    File(std::ops::Range<usize>),
    /// An override, described for the user: `--set PATH=VALUE`, or a value
    /// of a sweep's grid.
    Set(String),
    /// Nowhere: a default or a table made to hold an override.
    Default,
}

/// A scenario that cannot be run, and why.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{}{}: cannot read the file", file.display(), named_by.as_ref().map_or(String::new(), |n| format!(" (from {n})")))]
    Read {
        file: PathBuf,
        /// Where another file names this one, described for the user:
        /// "`sweep.scenario` in sweep.toml:2:12".
        named_by: Option<String>,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
}

/// One problem in a scenario, located as precisely as the input allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based line and column in the file.
    pub line_col: Option<(usize, usize)>,
    /// The override the value came from, described for the user.
    pub set: Option<String>,
    /// Key path such as `peers[1].reliability`.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.line_col {
            write!(f, ":{line}:{col}")?;
        }
        if let Some(set) = &self.set {
            write!(f, " (from {set})")?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "{}: ", shown(key, '`', '`'))?;
        }
        write!(f, "{}", self.message)
    }
}

/// Most characters of a user's text a message repeats: longer text is cut,
/// saying how long it was.
pub const SHOWN_CHARS: usize = 100;

/// `text` on one line (control characters escaped), cut after
/// [`SHOWN_CHARS`] characters with "... (N characters)" when longer.
pub fn cut(text: &str) -> String {
    shown(text, '\0', '\0')
}

/// `text` between `open` and `close` (`'\0'` for none), on one line and
/// cut like [`cut`]: `"aaaa..." (5000 characters)`.
pub fn shown(text: &str, open: char, close: char) -> String {
    let escape = |s: &str| -> String {
        s.chars()
            .flat_map(|c| {
                let escaped: Vec<char> = if c.is_control() {
                    c.escape_debug().collect()
                } else {
                    vec![c]
                };
                escaped
            })
            .collect()
    };
    let (open, close) = (
        if open == '\0' {
            String::new()
        } else {
            open.to_string()
        },
        if close == '\0' {
            String::new()
        } else {
            close.to_string()
        },
    );
    let count = text.chars().count();
    if count <= SHOWN_CHARS {
        format!("{open}{}{close}", escape(text))
    } else {
        let head: String = text.chars().take(SHOWN_CHARS - 10).collect();
        format!("{open}{}...{close} ({count} characters)", escape(&head))
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The closest of `options` to `word`, if close enough to be a likely typo.
pub fn nearest<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    options
        .into_iter()
        .map(|o| (strsim::damerau_levenshtein(word, o), o))
        .filter(|(d, o)| *d <= (o.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, o)| o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, text.find('2').unwrap()), (2, 6));
    }

    #[test]
    fn long_text_is_cut_and_says_how_long_it_was() {
        assert_eq!(shown("short", '"', '"'), "\"short\"");
        assert_eq!(shown("a\nb", '`', '`'), "`a\\nb`");
        let long = "x".repeat(5000);
        let s = shown(&long, '"', '"');
        assert_eq!(s, format!("\"{}...\" (5000 characters)", "x".repeat(90)));
        assert_eq!(cut(&"é".repeat(101)).chars().count(), 90 + 3 + 17);
    }

    #[test]
    fn suggests_only_close_keys() {
        let keys = ["policy", "queue", "max_attempts"];
        assert_eq!(nearest("polcy", keys), Some("policy"));
        assert_eq!(nearest("max_attempt", keys), Some("max_attempts"));
        assert_eq!(nearest("colour", keys), None);
    }
}
