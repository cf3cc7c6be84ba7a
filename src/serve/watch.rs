//! Watching the policy folders: the operating system's notifications (inotify, FSEvents,
//! ReadDirectoryChangesW through `notify`), or polling where notifications do not arrive —
//! network drives, WSL's Windows drives, Docker Desktop's shared folders — chosen from the
//! folder's file system or by `--poll`. Events are debounced into batches of changed paths, so an
//! editor's atomic save (write a temporary file, rename it over the original) or a `git checkout`
//! of many files is one rebuild.

use notify::{PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How changes are noticed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The system's notifications (inotify, FSEvents, ReadDirectoryChangesW).
    Native,
    /// Reading the folders again at this interval, comparing contents.
    Poll(Duration),
}

/// Default polling interval.
pub const POLL: Duration = Duration::from_millis(250);
/// A batch ends when no event came for this long…
const QUIET: Duration = Duration::from_millis(12);
/// …or when it has been open this long.
const MAX_BATCH: Duration = Duration::from_millis(120);

/// File systems on which native notifications miss changes made elsewhere (by another machine,
/// by Windows under WSL, by the host under Docker Desktop).
const REMOTE: &[&str] = &[
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "9p",
    "drvfs",
    "virtiofs",
    "vboxsf",
    "fakeowner",
    "osxfs",
    "grpcfuse",
    "davfs",
    "afs",
];

/// The file system type of the mount holding `dir` (Linux: `/proc/self/mountinfo`).
pub fn fs_type(dir: &Path) -> Option<String> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    fs_type_in(&info, &dir)
}

/// The file system of the longest mount point above `dir` in a `mountinfo` table.
fn fs_type_in(info: &str, dir: &Path) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for line in info.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let (Some(mount), Some(fs)) = (left.split(' ').nth(4), right.split(' ').next()) else {
            continue;
        };
        let mount = unescape(mount);
        if dir.starts_with(&mount) && best.as_ref().is_none_or(|(n, _)| mount.len() >= *n) {
            best = Some((mount.len(), fs.to_string()));
        }
    }
    best.map(|(_, fs)| fs)
}

/// Mount points escape spaces and a few other bytes as `\040`-style octal.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 4], 8)
        {
            out.push(v);
            i += 4;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Native notifications, unless the folder is on a file system where they do not arrive.
pub fn detect(dir: &Path) -> (Mode, Option<String>) {
    match fs_type(dir) {
        Some(fs) if REMOTE.contains(&fs.as_str()) || fs.starts_with("fuse") => {
            (Mode::Poll(POLL), Some(fs))
        }
        fs => (Mode::Native, fs),
    }
}

/// A running watcher and its events.
pub struct Watch {
    watcher: Box<dyn Watcher + Send>,
    rx: Receiver<notify::Result<notify::Event>>,
    /// How this watcher notices changes (polling when native notifications failed).
    pub mode: Mode,
    watched: Vec<PathBuf>,
}

impl Watch {
    /// Start watching; a native watcher that cannot start (no inotify watches left, say) falls
    /// back to polling, and the returned note says why.
    pub fn start(mode: Mode, dirs: &[PathBuf]) -> Result<(Watch, Option<String>), String> {
        let (tx, rx) = channel();
        let mut note = None;
        let (watcher, mode): (Box<dyn Watcher + Send>, Mode) = match mode {
            Mode::Native => match RecommendedWatcher::new(tx.clone(), notify::Config::default()) {
                Ok(w) => (Box::new(w), Mode::Native),
                Err(e) => {
                    note = Some(e.to_string());
                    (poller(tx, POLL)?, Mode::Poll(POLL))
                }
            },
            Mode::Poll(every) => (poller(tx, every)?, mode),
        };
        let mut w = Watch {
            watcher,
            rx,
            mode,
            watched: Vec::new(),
        };
        if let Err(e) = w.set_dirs(dirs) {
            if w.mode != Mode::Native {
                return Err(e);
            }
            // inotify refused the folder (too many watches): poll it instead.
            let (tx, rx) = channel();
            w = Watch {
                watcher: poller(tx, POLL)?,
                rx,
                mode: Mode::Poll(POLL),
                watched: Vec::new(),
            };
            w.set_dirs(dirs)?;
            note = Some(e);
        }
        Ok((w, note))
    }

    /// Watch exactly these folders (a fork's upstreams come and go with its `extends`).
    pub fn set_dirs(&mut self, dirs: &[PathBuf]) -> Result<(), String> {
        for old in &self.watched {
            if !dirs.contains(old) {
                let _ = self.watcher.unwatch(old);
            }
        }
        for d in dirs {
            if !self.watched.contains(d) {
                self.watcher
                    .watch(d, RecursiveMode::Recursive)
                    .map_err(|e| format!("{}: {e}", d.display()))?;
            }
        }
        self.watched = dirs.to_vec();
        Ok(())
    }

    /// Watch the folders afresh (a folder deleted and created again is a new folder to the
    /// system's notifications).
    pub fn rewatch(&mut self, dirs: &[PathBuf]) -> Result<(), String> {
        for old in std::mem::take(&mut self.watched) {
            let _ = self.watcher.unwatch(&old);
        }
        self.set_dirs(dirs)
    }

    /// Wait for the next batch of changed paths (`None` once the watcher is gone; an empty
    /// batch when `timeout` passed first). Paths under a folder or file whose name starts with
    /// `.` (`.git/`, editors' swap files) are left out.
    pub fn next_batch(&self, timeout: Option<Duration>) -> Option<BTreeSet<PathBuf>> {
        let mut batch = BTreeSet::new();
        loop {
            let first = match timeout {
                None => self.rx.recv().ok()?,
                Some(t) => match self.rx.recv_timeout(t) {
                    Ok(ev) => ev,
                    Err(RecvTimeoutError::Timeout) => return Some(batch),
                    Err(RecvTimeoutError::Disconnected) => return None,
                },
            };
            self.add(&mut batch, first);
            let opened = Instant::now();
            loop {
                let left = MAX_BATCH.saturating_sub(opened.elapsed());
                if left.is_zero() {
                    break;
                }
                match self.rx.recv_timeout(QUIET.min(left)) {
                    Ok(ev) => self.add(&mut batch, ev),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
            if !batch.is_empty() {
                return Some(batch);
            }
        }
    }

    fn add(&self, batch: &mut BTreeSet<PathBuf>, ev: notify::Result<notify::Event>) {
        let Ok(ev) = ev else {
            // An error from the watcher (events lost): treat every folder as changed.
            batch.extend(self.watched.iter().cloned());
            return;
        };
        if matches!(ev.kind, notify::EventKind::Access(_)) {
            return;
        }
        for p in ev.paths {
            let hidden = self.watched.iter().any(|w| {
                p.strip_prefix(w).is_ok_and(|rel| {
                    rel.components()
                        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
                })
            });
            if !hidden {
                batch.insert(p);
            }
        }
    }
}

fn poller(
    tx: std::sync::mpsc::Sender<notify::Result<notify::Event>>,
    every: Duration,
) -> Result<Box<dyn Watcher + Send>, String> {
    PollWatcher::new(
        tx,
        notify::Config::default()
            .with_poll_interval(every)
            // notify's poller compares modification times in whole seconds: without the
            // contents, a second save within the same second as the last is never seen.
            .with_compare_contents(true),
    )
    .map(|w| Box::new(w) as Box<dyn Watcher + Send>)
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_points_are_unescaped() {
        assert_eq!(unescape(r"/mnt/my\040drive"), "/mnt/my drive");
        assert_eq!(unescape("/plain"), "/plain");
    }

    #[test]
    fn the_deepest_mount_decides() {
        let info = "22 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n\
                    40 22 0:50 / /mnt/c rw,noatime - 9p drvfs rw\n\
                    41 22 0:51 / /srv/share\\040docs rw - nfs4 host:/x rw\n";
        let fs = |p: &str| fs_type_in(info, Path::new(p));
        assert_eq!(fs("/home/a/policy").as_deref(), Some("ext4"));
        assert_eq!(fs("/mnt/c/Users/a/policy").as_deref(), Some("9p"));
        assert_eq!(fs("/srv/share docs/policy").as_deref(), Some("nfs4"));
        assert_eq!(fs("/mnt/cx").as_deref(), Some("ext4"));
    }
}
