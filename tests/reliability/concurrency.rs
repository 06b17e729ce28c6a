//! Several processes appending to one incident at once.

use std::collections::HashSet;

use breach::journal::Payload;

use super::*;

#[test]
fn four_processes_appending_250_notes_each_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Busy night");
    let workers: Vec<std::process::Child> = (0..4)
        .map(|w| {
            std::process::Command::new("sh")
                .current_dir(root)
                .env("BREACH", env!("CARGO_BIN_EXE_breach"))
                .env("BREACH_NOW", "2026-11-23T10:15:00Z")
                .env("BREACH_OPERATOR", format!("worker{w}"))
                .env_remove("BREACH_DIR")
                .arg("-c")
                .arg(format!(
                    r#"i=0; while [ $i -lt 250 ]; do "$BREACH" note "worker {w} note $i" >/dev/null || exit 1; i=$((i+1)); done"#
                ))
                .spawn()
                .unwrap()
        })
        .collect();
    for mut w in workers {
        assert!(w.wait().unwrap().success(), "a worker's append failed");
    }

    let recs = records(&path);
    assert_eq!(recs.len(), 1001);
    let seqs: HashSet<u64> = recs.iter().map(|r| r.seq).collect();
    assert_eq!(seqs.len(), 1001, "duplicate sequence numbers");
    let notes: HashSet<String> = recs
        .iter()
        .filter_map(|r| match &r.payload {
            Payload::Note(n) => Some(n.text.clone()),
            _ => None,
        })
        .collect();
    for w in 0..4 {
        for i in 0..250 {
            assert!(
                notes.contains(&format!("worker {w} note {i}")),
                "lost {w}/{i}"
            );
        }
    }
    // Each worker's notes are in its own order.
    for w in 0..4 {
        let mine: Vec<&breach::journal::Record> = recs
            .iter()
            .filter(|r| r.operator == format!("worker{w}"))
            .collect();
        for (i, r) in mine.iter().enumerate() {
            assert_eq!(
                r.payload,
                Payload::Note(breach::journal::Note {
                    text: format!("worker {w} note {i}"),
                    step: None
                })
            );
        }
    }
    assert_ok(&run(root, &["verify"]));
}

/// Whether `flock -n` can take a shared lock on `path` right now.
fn lock_free(path: &Path) -> bool {
    std::process::Command::new("flock")
        .args(["-n", "-s"])
        .arg(path)
        .arg("true")
        .status()
        .unwrap()
        .success()
}

#[test]
fn a_writer_says_who_holds_the_lock_and_gives_up_after_the_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Held");
    let before = std::fs::read(&path).unwrap();
    // Another process (util-linux `flock`) takes the file's exclusive lock and keeps it.
    // (`-o`: the lock stays with `flock` itself, not with the `sleep` it runs.)
    let mut holder = std::process::Command::new("flock")
        .arg("-o")
        .arg(&path)
        .args(["sleep", "120"])
        .spawn()
        .unwrap();
    let pid = holder.id();
    let start = std::time::Instant::now();
    while lock_free(&path) {
        assert!(start.elapsed().as_secs() < 20, "flock never took the lock");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    let timed = |args: &[&str], timeout: &str| {
        let start = std::time::Instant::now();
        let out = breach(root)
            .env("BREACH_LOCK_TIMEOUT", timeout)
            .args(args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        (out, start.elapsed())
    };
    // A writer waits, says so after a second naming the holder, and gives up with exit 9.
    let (out, took) = timed(&["note", "blocked"], "2.5");
    assert_fails(&out, 9);
    let err = stderr(&out);
    assert!(took >= std::time::Duration::from_millis(2400), "{took:?}");
    assert!(err.contains("waiting for the lock on"), "{err}");
    assert!(err.contains(&format!("held by pid {pid} (flock)")), "{err}");
    assert!(err.contains("gave up waiting for the lock"), "{err}");
    // A reader waits for the writer's lock the same way.
    let (out, _) = timed(&["status"], "1");
    assert_fails(&out, 9);

    // A holder stopped with SIGSTOP is named as stopped; nothing hangs.
    let stop = |sig: &str| {
        assert!(
            std::process::Command::new("kill")
                .args([sig, &pid.to_string()])
                .status()
                .unwrap()
                .success()
        );
    };
    stop("-STOP");
    let (out, took) = timed(&["note", "blocked"], "1.5");
    assert_fails(&out, 9);
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
    assert!(stderr(&out).contains("stopped"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing was written");

    // Once the holder is gone (with its `sleep`), the write goes through.
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    for child in children.split_whitespace() {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", child])
            .status();
    }
    stop("-KILL");
    holder.wait().unwrap();
    assert!(lock_free(&path));
    assert_ok(&run(root, &["note", "after"]));

    // A bad timeout is refused.
    let (out, _) = timed(&["note", "x"], "soon");
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("BREACH_LOCK_TIMEOUT"),
        "{}",
        stderr(&out)
    );
}
