//! Taking an incident file's lock without hanging: a writer holds the exclusive lock, a
//! reader the shared one. A process that waits more than a second is told who holds the
//! lock (from `/proc/locks` on Linux, by the file's device and inode) and that it is
//! waiting; after the timeout (`BREACH_LOCK_TIMEOUT` seconds, default 30) it gives up with
//! [`BreachError::LockTimeout`]. A holder that was stopped (SIGSTOP) or hung can therefore
//! never block every later writer forever.
//!
//! Storage prints nothing: the notice goes to a hook the command line installs
//! ([`set_waiting`]).

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::error::BreachError;

/// The environment variable that sets how long to wait for a lock, in seconds.
pub const TIMEOUT_ENV: &str = "BREACH_LOCK_TIMEOUT";
/// How long to wait for a lock when `BREACH_LOCK_TIMEOUT` is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait before saying so.
const NOTICE_AFTER: Duration = Duration::from_secs(1);

/// How long to wait and whom to tell.
pub struct Waiting {
    pub timeout: Duration,
    pub notice: Box<dyn Fn(&str) + Send + Sync>,
}

static WAITING: OnceLock<Waiting> = OnceLock::new();

/// Installs the timeout and the notice hook (once per process; later calls are ignored).
pub fn set_waiting(waiting: Waiting) {
    let _ = WAITING.set(waiting);
}

/// The timeout from `BREACH_LOCK_TIMEOUT` (seconds, a non-negative number; `0` means do
/// not wait at all), or the default.
pub fn timeout_from_env() -> Result<Duration, String> {
    match std::env::var(TIMEOUT_ENV) {
        Err(_) => Ok(DEFAULT_TIMEOUT),
        Ok(v) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 86_400.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                format!("{TIMEOUT_ENV}={v:?} is not a number of seconds from 0 to 86400")
            }),
    }
}

/// Which lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The writer's lock.
    Exclusive,
    /// A reader's lock.
    Shared,
}

/// Takes the lock on `file`, waiting at most the timeout; says who holds it after a second.
pub fn acquire(file: &File, path: &Path, mode: Mode) -> anyhow::Result<()> {
    match WAITING.get() {
        Some(w) => acquire_within(file, path, mode, w.timeout, Some(&*w.notice)),
        None => acquire_within(file, path, mode, DEFAULT_TIMEOUT, None),
    }
}

fn acquire_within(
    file: &File,
    path: &Path,
    mode: Mode,
    timeout: Duration,
    notice: Option<&(dyn Fn(&str) + Send + Sync)>,
) -> anyhow::Result<()> {
    let cannot = |e: std::io::Error| {
        anyhow::Error::new(e).context(format!("cannot lock {}", path.display()))
    };
    let tried = match mode {
        Mode::Exclusive => file.try_lock(),
        Mode::Shared => file.try_lock_shared(),
    };
    match tried {
        Ok(()) => return Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => {}
        Err(std::fs::TryLockError::Error(e)) => return Err(cannot(e)),
    }
    // Held elsewhere: wait in the kernel's queue on a second handle of the same open file
    // (a lock belongs to the open file, so the lock taken through the clone is this one's),
    // while this thread keeps the time. If the wait is given up, the waiting thread ends
    // with the process.
    let start = Instant::now();
    let clone = file.try_clone().map_err(cannot)?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let got = match mode {
            Mode::Exclusive => clone.lock(),
            Mode::Shared => clone.lock_shared(),
        };
        let _ = tx.send(got);
    });
    let mut told = false;
    loop {
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(BreachError::LockTimeout(format!(
                "gave up waiting for the lock on {} after {}s: {}",
                path.display(),
                timeout.as_secs_f64(),
                holder_words(file)
            ))
            .into());
        }
        let until = if told {
            timeout
        } else {
            NOTICE_AFTER.min(timeout)
        };
        match rx.recv_timeout(until.saturating_sub(waited)) {
            Ok(got) => return got.map_err(cannot),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(anyhow::anyhow!(
                    "cannot lock {}: the waiting thread ended",
                    path.display()
                ));
            }
        }
        if !told && start.elapsed() >= NOTICE_AFTER {
            told = true;
            if let Some(notice) = notice {
                notice(&format!(
                    "waiting for the lock on {}: {}; giving up after {}s ({TIMEOUT_ENV})",
                    path.display(),
                    holder_words(file),
                    timeout.as_secs_f64()
                ));
            }
        }
    }
}

/// Who holds the lock, in words: `held by pid 4242 (breach, stopped)`.
fn holder_words(file: &File) -> String {
    let pids = file
        .metadata()
        .map(|m| holders(m.dev(), m.ino()))
        .unwrap_or_default();
    if pids.is_empty() {
        return "another process holds it".to_string();
    }
    let who: Vec<String> = pids
        .iter()
        .map(|pid| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|c| c.trim().to_string())
                .unwrap_or_default();
            let stopped = process_state(*pid).is_some_and(|s| s == 'T' || s == 't');
            match (comm.is_empty(), stopped) {
                (true, false) => format!("pid {pid}"),
                (true, true) => format!("pid {pid} (stopped)"),
                (false, false) => format!("pid {pid} ({comm})"),
                (false, true) => format!("pid {pid} ({comm}, stopped)"),
            }
        })
        .collect();
    format!("held by {}", who.join(", "))
}

/// The state letter of a process (`R`, `S`, `T` for stopped, ...), from `/proc/PID/stat`.
fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `PID (COMM) STATE ...`; COMM may hold spaces and parentheses, so take the last `)`.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// The pids holding a lock (not waiting for one) on the file with this device and inode,
/// from `/proc/locks`; empty where there is no `/proc/locks`.
fn holders(dev: u64, ino: u64) -> Vec<u32> {
    let Ok(text) = std::fs::read_to_string("/proc/locks") else {
        return Vec::new();
    };
    let (major, minor) = split_dev(dev);
    parse_holders(&text, major, minor, ino)
}

/// The major and minor numbers of a device number as Linux encodes it for user space.
fn split_dev(dev: u64) -> (u64, u64) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major, minor)
}

/// The holders in the text of `/proc/locks`: lines such as
/// `3: FLOCK  ADVISORY  WRITE 4242 fe:00:10092690 0 EOF` (`->` lines are waiters).
fn parse_holders(text: &str, major: u64, minor: u64, ino: u64) -> Vec<u32> {
    let mut pids = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.get(1) == Some(&"->") || fields.len() < 6 {
            continue;
        }
        let (Some(pid), Some(id)) = (fields.get(4), fields.get(5)) else {
            continue;
        };
        let mut parts = id.split(':');
        let (Some(ma), Some(mi), Some(i)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let same = u64::from_str_radix(ma, 16) == Ok(major)
            && u64::from_str_radix(mi, 16) == Ok(minor)
            && i.parse::<u64>() == Ok(ino);
        if let (true, Ok(pid)) = (same, pid.parse::<u32>())
            && !pids.contains(&pid)
        {
            pids.push(pid);
        }
    }
    pids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_are_read_from_proc_locks_lines_and_waiters_are_not() {
        let text = "1: FLOCK  ADVISORY  WRITE 30601 fe:00:6062305 0 EOF\n\
                    3: FLOCK  ADVISORY  WRITE 27506 fe:00:10092690 0 EOF\n\
                    3: -> FLOCK  ADVISORY  READ 27507 fe:00:10092690 0 EOF\n\
                    4: POSIX  ADVISORY  READ 99 08:01:10092690 0 EOF\n";
        assert_eq!(parse_holders(text, 0xfe, 0, 10092690), vec![27506]);
        assert_eq!(parse_holders(text, 8, 1, 10092690), vec![99]);
        assert!(parse_holders(text, 0xfe, 0, 1).is_empty());
    }

    #[test]
    fn a_lock_held_elsewhere_times_out_naming_this_process() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        std::fs::write(&path, b"x").unwrap();
        let holder = File::open(&path).unwrap();
        holder.lock().unwrap();
        // A second open file description conflicts with the first, even in one process.
        let waiter = File::open(&path).unwrap();
        let start = Instant::now();
        let told = std::sync::Mutex::new(Vec::new());
        let notice = |m: &str| told.lock().unwrap().push(m.to_string());
        let err = acquire_within(
            &waiter,
            &path,
            Mode::Shared,
            Duration::from_millis(1300),
            Some(&notice),
        )
        .unwrap_err();
        assert_eq!(told.lock().unwrap().len(), 1, "told once after a second");
        assert!(told.lock().unwrap()[0].starts_with("waiting for the lock on"));
        assert!(start.elapsed() >= Duration::from_millis(250));
        let text = err.to_string();
        assert!(text.contains("gave up waiting for the lock"), "{text}");
        if Path::new("/proc/locks").exists() {
            assert!(
                text.contains(&format!("pid {}", std::process::id())),
                "{text}"
            );
        }
    }

    #[test]
    fn a_lock_released_while_waiting_is_taken() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        std::fs::write(&path, b"x").unwrap();
        let holder = File::open(&path).unwrap();
        holder.lock().unwrap();
        let waiter = File::open(&path).unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            drop(holder);
        });
        acquire_within(
            &waiter,
            &path,
            Mode::Exclusive,
            Duration::from_secs(20),
            None,
        )
        .unwrap();
        release.join().unwrap();
        // Held through the first handle: a third one cannot take it.
        let third = File::open(&path).unwrap();
        assert!(matches!(
            third.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
    }
}
