//! A sweep's journal, `runs.journal.csv`: every finished run, on disk
//! (fsynced) before the sweep reports it, so that a sweep killed at any
//! instant keeps every run it reported. Rows that finish while one fsync is
//! under way share the next one (a group commit), so short runs do not each
//! wait for the disk.
//!
//! ```text
//! # p2c2g sweep journal
//! # plan 3f2a...            the fingerprint of what the sweep runs
//! # input 9c1d... scenarios/baseline.toml
//! point,replication,seed,...,check
//! 0,0,1,...,5d41402abc4b2a76
//! ```
//!
//! Each row ends with a check (the first 16 hex digits of the SHA-256 of
//! the rest of its line), so a row torn by a crash or a full disk, or
//! changed by hand, is recognised wherever it is and dropped (its run is
//! done again); an append that fails is cut back at once and the sweep
//! stops. The folder is locked while a sweep writes in it: a second sweep
//! there is refused, and the lock goes with the process that held it.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

use super::FileError;

const TITLE: &str = "# p2c2g sweep journal";
const CHECK: &str = "check";
/// Hex digits of a row's check.
const CHECK_LEN: usize = 16;

/// What a journal says of the sweep that wrote it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The fingerprint of the whole plan.
    pub sha256: String,
    /// Each input file read and its fingerprint: `(sha256, path)`.
    pub inputs: Vec<(String, String)>,
}

/// What was found in a journal.
#[derive(Debug, Default)]
pub struct Found {
    /// Absent in an empty journal (nothing was written, or only part of its
    /// first lines).
    pub plan: Option<Plan>,
    pub header: Vec<String>,
    /// Its rows, checked, duplicates collapsed.
    pub rows: Vec<Vec<String>>,
    /// Rows dropped as damaged (torn, or changed since written).
    pub damaged: usize,
}

/// A damaged journal that cannot be read past: its header is not one, or
/// two rows give one run different results.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct JournalError {
    pub path: PathBuf,
    pub message: String,
}

/// The check of a row's text.
fn check(text: &str) -> String {
    crate::digest::sha256_hex(text.as_bytes())[..CHECK_LEN].to_string()
}

/// One CSV line of `fields`, without its newline.
fn csv_text(fields: &[String]) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(fields).expect("text writes to memory");
    let mut bytes = w.into_inner().expect("writing to memory");
    bytes.pop();
    String::from_utf8(bytes).expect("fields are text")
}

/// Reads a journal. A row is kept if it is whole (ends with a newline),
/// parses, has the header's columns and its check holds.
pub fn read(path: &Path) -> Result<Found, JournalError> {
    let fail = |message: String| JournalError {
        path: path.to_path_buf(),
        message,
    };
    let bytes = fs::read(path).map_err(|e| fail(format!("cannot read the journal: {e}")))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut found = Found::default();
    if !text.is_empty() && !TITLE.starts_with(text.lines().next().unwrap_or("")) {
        return Err(fail(format!(
            "not a journal of this version of p2c2g (its first line is not `{TITLE}`)"
        )));
    }
    let mut lines = text.split_inclusive('\n').peekable();
    let mut plan = Plan::default();
    let mut saw_plan = false;
    while let Some(line) = lines.peek().filter(|l| l.starts_with('#')) {
        let line = line.trim_end();
        if let Some(h) = line.strip_prefix("# plan ") {
            plan.sha256 = h.to_string();
            saw_plan = true;
        } else if let Some(rest) = line.strip_prefix("# input ") {
            if let Some((h, p)) = rest.split_once(' ') {
                plan.inputs.push((h.to_string(), p.to_string()));
            }
        }
        lines.next();
    }
    found.plan = saw_plan.then_some(plan);
    let Some(header) = lines.next().filter(|l| l.ends_with('\n')) else {
        return Ok(found);
    };
    let mut header = parse(header).ok_or_else(|| fail("its header is not CSV".into()))?;
    if header.last().map(String::as_str) != Some(CHECK) {
        return Err(fail(format!(
            "its header does not end with `{CHECK}`: not a journal of this version"
        )));
    }
    header.pop();
    found.header = header;
    let mut runs: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for line in lines {
        let row = line
            .strip_suffix('\n')
            .and_then(|body| body.rsplit_once(','))
            .filter(|(body, sum)| *sum == check(body))
            .and_then(|(body, _)| parse(body))
            .filter(|row| row.len() == found.header.len() && row.len() >= 2);
        let Some(row) = row else {
            found.damaged += 1;
            continue;
        };
        let run = (row[0].clone(), row[1].clone());
        match runs.get(&run) {
            Some(&at) if found.rows[at] == row => {}
            Some(_) => {
                return Err(fail(format!(
                    "it holds two different results of point {} replication {}",
                    run.0, run.1
                )))
            }
            None => {
                runs.insert(run, found.rows.len());
                found.rows.push(row);
            }
        }
    }
    Ok(found)
}

fn parse(text: &str) -> Option<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let record = r.records().next()?.ok()?;
    Some(record.iter().map(String::from).collect())
}

/// A journal being written.
pub struct Journal {
    path: PathBuf,
    file: File,
    /// Bytes known to be whole on disk: where a failed append is cut back to.
    len: u64,
}

impl Journal {
    /// Starts a journal for `plan`, with `header` and `rows` (carried over
    /// from a journal or a runs.csv being resumed): a fresh file, written
    /// whole, then moved over any old one.
    pub fn start(
        path: &Path,
        plan: &Plan,
        header: &[String],
        rows: &[Vec<String>],
    ) -> Result<Journal, FileError> {
        let partial = path.with_extension("csv.partial");
        let mut text = format!("{TITLE}\n# plan {}\n", plan.sha256);
        for (h, p) in &plan.inputs {
            text += &format!("# input {h} {p}\n");
        }
        let mut fields = header.to_vec();
        fields.push(CHECK.into());
        text += &csv_text(&fields);
        text.push('\n');
        for row in rows {
            text += &line(row);
        }
        let mut file = super::folder::create_fresh(&partial)
            .map_err(FileError::at(&partial, "create the journal"))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(FileError::at(&partial, "write the journal"))?;
        drop(file);
        fs::rename(&partial, path).map_err(FileError::at(path, "move the journal into place"))?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(FileError::at(path, "open the journal"))?;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            len: text.len() as u64,
        })
    }

    /// Appends one row in one write and waits until it is on disk. If that
    /// fails, the file is cut back to its last whole row.
    pub fn append(&mut self, row: &[String]) -> Result<(), FileError> {
        self.append_all(&[row.to_vec()]).map_err(|(_, e)| e)
    }

    /// Appends `rows`, each in one write, then waits once until they are
    /// all on disk: a group commit, one fsync for many rows. If a write
    /// fails, the file is cut back to its last whole row and the rows
    /// before it are waited for; the error says how many of `rows` are on
    /// disk (none if the wait failed too).
    pub fn append_all(&mut self, rows: &[Vec<String>]) -> Result<(), (usize, FileError)> {
        let mut len = self.len;
        for (i, row) in rows.iter().enumerate() {
            let text = line(row);
            if let Err(e) = self.file.write_all(text.as_bytes()) {
                let kept = self
                    .file
                    .set_len(len)
                    .and_then(|()| self.file.sync_data())
                    .map_or(0, |()| i);
                if kept == 0 {
                    let _ = self.file.set_len(self.len);
                } else {
                    self.len = len;
                }
                return Err((kept, FileError::new(&self.path, "write the journal", e)));
            }
            len += text.len() as u64;
        }
        match self.file.sync_data() {
            Ok(()) => {
                self.len = len;
                Ok(())
            }
            Err(e) => {
                let _ = self.file.set_len(self.len);
                Err((0, FileError::new(&self.path, "write the journal", e)))
            }
        }
    }

    /// Writes the rows sent on `rows` until every sender is gone, by group
    /// commits: the rows that come while one batch is being made durable
    /// make the next batch, written with one fsync for them all, so a row
    /// waits at most for the fsync under way and its own. `committed` is
    /// given each batch only once it is on disk: whatever it reports
    /// survives a crash. At the first failed write, the rows on disk are
    /// given to `committed` and the error returned; later rows are not
    /// written.
    pub fn commit_from(
        &mut self,
        rows: &Receiver<Vec<String>>,
        mut committed: impl FnMut(Vec<Vec<String>>),
    ) -> Result<(), FileError> {
        while let Ok(first) = rows.recv() {
            let mut batch = vec![first];
            batch.extend(rows.try_iter());
            match self.append_all(&batch) {
                Ok(()) => committed(batch),
                Err((kept, e)) => {
                    batch.truncate(kept);
                    committed(batch);
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

/// A row with its check, and a newline.
fn line(row: &[String]) -> String {
    let body = csv_text(row);
    format!("{body},{}\n", check(&body))
}

/// The lock of a folder a sweep writes in, held while the value lives.
pub struct Lock {
    _file: File,
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Why a folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{}: another p2c2g is writing in this folder ({held}); wait for it to finish, \
         or write elsewhere",
        dir.display()
    )]
    Held { dir: PathBuf, held: String },
    #[error(transparent)]
    File(#[from] FileError),
}

/// Locks `dir` for this process (a file lock, which the system releases
/// when the process ends, however it ends).
pub fn lock(dir: &Path) -> Result<Lock, LockError> {
    let path = dir.join(".p2c2g.lock");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(FileError::at(&path, "open the lock file"))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let held = fs::read_to_string(&path)
                .ok()
                .filter(|s| !s.trim().is_empty())
                .map_or("a process".into(), |s| s.trim().to_string());
            return Err(LockError::Held {
                dir: dir.to_path_buf(),
                held,
            });
        }
        Err(TryLockError::Error(e)) => {
            return Err(FileError::new(&path, "lock the folder", e).into());
        }
    }
    let _ = file.set_len(0);
    let _ = writeln!(file, "process {}", std::process::id());
    Ok(Lock { _file: file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(p: &str, r: &str, x: &str) -> Vec<String> {
        vec![p.into(), r.into(), x.into()]
    }

    fn plan() -> Plan {
        Plan {
            sha256: "abc".into(),
            inputs: vec![("123".into(), "scenarios/a b.toml".into())],
        }
    }

    #[test]
    fn rows_are_read_back_with_the_plan() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.csv");
        let header = row("point", "replication", "x");
        let mut j = Journal::start(&path, &plan(), &header, &[row("0", "0", "a,b")]).unwrap();
        j.append(&row("0", "1", "\"q\"")).unwrap();
        let found = read(&path).unwrap();
        assert_eq!(found.plan, Some(plan()));
        assert_eq!(found.header, header);
        assert_eq!(
            found.rows,
            vec![row("0", "0", "a,b"), row("0", "1", "\"q\"")]
        );
        assert_eq!(found.damaged, 0);
    }

    #[test]
    fn torn_changed_and_repeated_rows_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.csv");
        let header = row("point", "replication", "x");
        Journal::start(&path, &plan(), &header, &[]).unwrap();
        let good = line(&row("0", "0", "1.5"));
        let changed = line(&row("0", "1", "2.5")).replace("2.5", "2.6");
        let torn = &line(&row("0", "2", "3.5"))[..6];
        let mut text = fs::read_to_string(&path).unwrap();
        // A torn row in the middle, glued to the next; a changed digit; a
        // row written twice; a torn last row.
        text += torn;
        text += &good;
        text += &changed;
        text += &line(&row("1", "0", "4.5"));
        text += &line(&row("1", "0", "4.5"));
        text += torn;
        fs::write(&path, text).unwrap();
        let found = read(&path).unwrap();
        assert_eq!(found.rows, vec![row("1", "0", "4.5")]);
        assert_eq!(found.damaged, 3);
        // Two different results for one run: refused.
        Journal::start(&path, &plan(), &header, &[row("1", "0", "4.5")]).unwrap();
        let mut text = fs::read_to_string(&path).unwrap();
        text += &line(&row("1", "0", "9.9"));
        fs::write(&path, text).unwrap();
        let e = read(&path).unwrap_err();
        assert!(
            e.message
                .contains("two different results of point 1 replication 0"),
            "{e}"
        );
    }

    #[test]
    fn an_empty_journal_is_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.csv");
        fs::write(&path, "").unwrap();
        let found = read(&path).unwrap();
        assert!(found.plan.is_none() && found.rows.is_empty());
        fs::write(&path, "# p2c2g sweep journal\n# pl").unwrap();
        assert!(read(&path).unwrap().plan.is_none());
    }

    /// A writer that fails once the disk is "full" leaves no torn row.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_append_is_cut_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.csv");
        let header = row("point", "replication", "x");
        let mut j = Journal::start(&path, &plan(), &header, &[]).unwrap();
        j.append(&row("0", "0", "1")).unwrap();
        let before = fs::read(&path).unwrap();
        // The same file, with its writes failing: a handle on /dev/full.
        j.file = OpenOptions::new().write(true).open("/dev/full").unwrap();
        assert!(j.append(&row("0", "1", "2")).is_err());
        assert_eq!(fs::read(&path).unwrap(), before);
    }

    /// Group commit: rows sent from several threads are all written, and
    /// each batch is reported only once its rows are in the file.
    #[test]
    fn a_batch_is_reported_only_once_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.csv");
        let header = row("point", "replication", "x");
        let mut j = Journal::start(&path, &plan(), &header, &[row("9", "9", "0")]).unwrap();
        let (send, rows) = std::sync::mpsc::channel();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let send = send.clone();
                std::thread::spawn(move || {
                    for r in 0..50 {
                        send.send(row(&t.to_string(), &r.to_string(), "1.5"))
                            .unwrap();
                    }
                })
            })
            .collect();
        drop(send);
        let mut reported = Vec::new();
        j.commit_from(&rows, |batch| {
            reported.extend(batch);
            let on_disk = read(&path).unwrap();
            assert_eq!(on_disk.damaged, 0);
            assert_eq!(on_disk.rows[1..], reported[..], "reported before written");
        })
        .unwrap();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(reported.len(), 200);
        assert_eq!(read(&path).unwrap().rows.len(), 201);
    }

    /// A batch that cannot be written is not reported, and leaves no row.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_batch_that_fails_is_not_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.csv");
        let header = row("point", "replication", "x");
        let mut j = Journal::start(&path, &plan(), &header, &[]).unwrap();
        let before = fs::read(&path).unwrap();
        j.file = OpenOptions::new().write(true).open("/dev/full").unwrap();
        let (send, rows) = std::sync::mpsc::channel();
        for r in 0..3 {
            send.send(row("0", &r.to_string(), "1")).unwrap();
        }
        drop(send);
        let mut reported = 0;
        let e = j
            .commit_from(&rows, |batch| reported += batch.len())
            .unwrap_err();
        assert!(e.to_string().contains("cannot write the journal"), "{e}");
        assert_eq!(reported, 0);
        assert_eq!(fs::read(&path).unwrap(), before);
    }

    #[test]
    fn a_folder_is_locked_once() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock(dir.path()).unwrap();
        // Another handle on the same file, as another process would have.
        let e = match lock(dir.path()) {
            Err(e) => e,
            Ok(_) => panic!("locked twice"),
        };
        assert!(
            e.to_string()
                .contains("another p2c2g is writing in this folder"),
            "{e}"
        );
        drop(first);
        assert!(!dir.path().join(".p2c2g.lock").exists());
        lock(dir.path()).unwrap();
    }
}
