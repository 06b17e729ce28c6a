//! An append that runs into the file-size limit (as on a full disk): a clear error, the
//! record not written, the file still verifying.

use super::*;

/// `prlimit` (util-linux) sets RLIMIT_FSIZE in bytes for one command.
fn prlimit_available() -> bool {
    std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn an_append_over_the_file_size_limit_fails_cleanly() {
    if !prlimit_available() {
        eprintln!("SKIPPED: prlimit (util-linux) is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Disk full");
    assert_ok(&run(root, &["note", "fits"]));
    let before = std::fs::read(&path).unwrap();
    let limit = before.len() + 100;
    let note = format!("does not fit: {}", "x".repeat(400));
    let out = std::process::Command::new("prlimit")
        .arg(format!("--fsize={limit}"))
        .arg(env!("CARGO_BIN_EXE_breach"))
        .args(["note", &note])
        .current_dir(root)
        .env("BREACH_NOW", "2026-11-23T10:15:00Z")
        .env("BREACH_OPERATOR", "alice")
        .env_remove("BREACH_DIR")
        .output()
        .unwrap();
    // Not killed by SIGXFSZ: a clear error and a failure exit.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("could not write the record"), "{err}");
    assert!(err.contains("nothing was recorded"), "{err}");
    assert!(!err.contains("panicked"));
    assert!(stdout(&out).is_empty(), "acknowledged: {}", stdout(&out));
    // The partial write was taken back.
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_ok(&run(root, &["verify"]));
    assert_ok(&run(root, &["note", "fits again"]));
    assert_eq!(records(&path).len(), 3);
}
