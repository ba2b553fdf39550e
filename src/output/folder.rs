//! Whose a results folder is. A run's folder holds `scenario.toml`, the
//! scenario as it ran; a sweep's holds `sweep.toml`, its plan. Results are
//! written into a folder only if it is empty, new, or holds the results of
//! the same thing; anything else is refused (unless forced) with what is
//! there. Nothing is ever written through a link: files are created afresh
//! and exclusively, and a folder whose expected files are links is refused.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use super::FileError;

/// The file that says which scenario a run folder holds.
pub const SCENARIO_FILE: &str = "scenario.toml";
/// The files that mark a sweep's folder.
pub const SWEEP_FILES: [&str; 3] = ["sweep.toml", "runs.csv", "runs.journal.csv"];

/// Why results may not go into a folder.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error(
        "{}: holds the results of another scenario (`{name}`, as its scenario.toml says); \
         write elsewhere with --out, or replace them with --force",
        dir.display()
    )]
    OtherScenario { dir: PathBuf, name: String },
    #[error(
        "{}: holds a sweep's results ({file}); a run does not go there: write elsewhere with \
         --out, or replace them with --force",
        dir.display()
    )]
    Sweep { dir: PathBuf, file: &'static str },
    #[error(
        "{}: holds a run's results (scenario.toml); a sweep does not go there: write elsewhere \
         with --out, or replace them with --force",
        dir.display()
    )]
    Run { dir: PathBuf },
    #[error(
        "{}: holds {file}, which p2c2g did not write (there is no scenario.toml); write \
         elsewhere with --out, or replace it with --force",
        dir.display()
    )]
    NotOurs { dir: PathBuf, file: String },
    #[error(
        "{}: is a link; p2c2g writes its files only where they are, never through a link",
        path.display()
    )]
    Link { path: PathBuf },
    #[error(transparent)]
    File(#[from] FileError),
}

/// What a run found in its folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Nothing of anyone's: it may tidy its own files.
    Fresh,
    /// The results of the same scenario: they are replaced.
    Ours,
    /// Someone else's, replaced because the user said so: files this run
    /// does not write are left alone.
    Forced,
}

impl Claim {
    /// Whether the run may remove files of an earlier run that it does not
    /// write again (a stale frames.csv, say).
    pub fn may_tidy(self) -> bool {
        self != Claim::Forced
    }
}

/// Checks that a run of the scenario whose resolved text is `scenario`
/// (compared without its `[output]` table: what is written is not what is
/// simulated) may write into `dir`, whose files it writes are `files`.
pub fn claim_run(
    dir: &Path,
    scenario: &str,
    files: &[&str],
    force: bool,
) -> Result<Claim, FolderError> {
    refuse_links(
        dir,
        files
            .iter()
            .chain(&[SCENARIO_FILE, "charts"])
            .chain(&SWEEP_FILES),
    )?;
    if !dir.is_dir() {
        // New (or not a folder at all, which creating it will say).
        return Ok(Claim::Fresh);
    }
    let mine = dir.join(SCENARIO_FILE);
    let theirs = match fs::read_to_string(&mine) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(FileError::new(mine, "read the file", e).into()),
    };
    let verdict = if let Some(theirs) = theirs {
        if simulated(&theirs).is_some() && simulated(&theirs) == simulated(scenario) {
            return Ok(Claim::Ours);
        }
        FolderError::OtherScenario {
            dir: dir.to_path_buf(),
            name: name_of(&theirs),
        }
    } else if let Some(file) = SWEEP_FILES.iter().find(|f| dir.join(f).exists()) {
        FolderError::Sweep {
            dir: dir.to_path_buf(),
            file,
        }
    } else if let Some(file) = files.iter().find(|f| dir.join(f).exists()) {
        FolderError::NotOurs {
            dir: dir.to_path_buf(),
            file: file.to_string(),
        }
    } else {
        return Ok(Claim::Fresh);
    };
    if force {
        Ok(Claim::Forced)
    } else {
        Err(verdict)
    }
}

/// Checks that a sweep may write into `dir`: not into a run's folder.
pub fn claim_sweep(dir: &Path, files: &[&str], force: bool) -> Result<(), FolderError> {
    refuse_links(
        dir,
        files
            .iter()
            .chain(&SWEEP_FILES)
            .chain(&["points.csv", SCENARIO_FILE, "charts"]),
    )?;
    if dir.join(SCENARIO_FILE).exists() && !force {
        return Err(FolderError::Run {
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// Refuses `dir` if it, or any of the `names` in it, is a link.
fn refuse_links<'a>(
    dir: &Path,
    names: impl IntoIterator<Item = &'a &'a str>,
) -> Result<(), FolderError> {
    let is_link = |p: &Path| fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    if is_link(dir) {
        return Err(FolderError::Link {
            path: dir.to_path_buf(),
        });
    }
    for name in names {
        let path = dir.join(name);
        if is_link(&path) || is_link(&dir.join(format!("{name}.partial"))) {
            return Err(FolderError::Link { path });
        }
    }
    Ok(())
}

/// The simulated part of a resolved scenario: its TOML less `[output]`.
fn simulated(text: &str) -> Option<toml::Table> {
    let mut t: toml::Table = text.parse().ok()?;
    t.remove("output");
    Some(t)
}

/// The scenario's name, for a message.
fn name_of(text: &str) -> String {
    text.parse::<toml::Table>()
        .ok()
        .and_then(|t| {
            t.get("simulation")?
                .get("name")?
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Creates `path` afresh for writing: whatever is there (an old file, or a
/// link planted there) is removed first, and the new file is created
/// exclusively, so that writing never follows a link out of the folder.
pub fn create_fresh(path: &Path) -> io::Result<File> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "[simulation]\nname = \"a\"\nseed = 1\n[output]\nframes = true\n";

    #[test]
    fn a_folder_is_claimed_only_for_the_same_scenario() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        let files = ["summary.csv", "frames.csv"];
        assert_eq!(claim_run(&dir, A, &files, false).unwrap(), Claim::Fresh);
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join(SCENARIO_FILE), A).unwrap();
        // What is written does not change what the scenario is.
        let other_output = A.replace("frames = true", "frames = false");
        assert_eq!(
            claim_run(&dir, &other_output, &files, false).unwrap(),
            Claim::Ours
        );
        let other_seed = A.replace("seed = 1", "seed = 2");
        let e = claim_run(&dir, &other_seed, &files, false).unwrap_err();
        assert!(e.to_string().contains("another scenario (`a`"), "{e}");
        assert_eq!(
            claim_run(&dir, &other_seed, &files, true).unwrap(),
            Claim::Forced
        );
        // Someone's own frames.csv, with no scenario.toml: not ours.
        fs::remove_file(dir.join(SCENARIO_FILE)).unwrap();
        fs::write(dir.join("frames.csv"), "mine").unwrap();
        let e = claim_run(&dir, A, &files, false).unwrap_err();
        assert!(
            e.to_string()
                .contains("holds frames.csv, which p2c2g did not write"),
            "{e}"
        );
        // A sweep's folder.
        fs::remove_file(dir.join("frames.csv")).unwrap();
        fs::write(dir.join("runs.csv"), "x").unwrap();
        let e = claim_run(&dir, A, &files, false).unwrap_err();
        assert!(
            e.to_string().contains("a sweep's results (runs.csv)"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_are_refused_and_never_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        fs::create_dir(&dir).unwrap();
        let outside = tmp.path().join("outside.csv");
        fs::write(&outside, "keep").unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("summary.csv.partial")).unwrap();
        let e = claim_run(&dir, A, &["summary.csv"], true).unwrap_err();
        assert!(matches!(e, FolderError::Link { .. }), "{e}");
        // Creating afresh replaces the link, never writes through it.
        use std::io::Write;
        create_fresh(&dir.join("summary.csv.partial"))
            .unwrap()
            .write_all(b"new")
            .unwrap();
        assert_eq!(fs::read_to_string(&outside).unwrap(), "keep");
        // A dangling link too.
        std::os::unix::fs::symlink(tmp.path().join("nowhere"), dir.join("x.csv")).unwrap();
        create_fresh(&dir.join("x.csv")).unwrap();
        assert!(!tmp.path().join("nowhere").exists());
    }
}
