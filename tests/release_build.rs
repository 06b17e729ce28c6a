//! `BREACH_NOW` in a build without debug assertions, as users install it: the test builds
//! `breach` itself with the `releasecheck` profile (the release profile's settings that
//! matter here, debug assertions off, with fast compile settings) into its own target
//! directory, then runs it. A format 1 write under `BREACH_NOW` is refused; reading commands
//! evaluate at it and say so; a team incident marks its records.

#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on any unexpected error"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Builds the `releasecheck` binary once per test run; its path.
fn release_binary() -> &'static Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target = root.join("target/releasecheck");
        let out = Command::new(env!("CARGO"))
            .current_dir(root)
            .args([
                "build",
                "--profile",
                "releasecheck",
                "--locked",
                "--offline",
            ])
            .args(["--bin", "breach", "--target-dir"])
            .arg(&target)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "building the releasecheck profile failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        target.join("releasecheck/breach")
    })
}

/// The release binary in `dir`, with the machine's clock (no `BREACH_NOW`), a fixed
/// operator and nothing from the environment that would pick another incident directory.
fn release(dir: &Path) -> Command {
    let mut cmd = Command::new(release_binary());
    cmd.current_dir(dir)
        .env_remove("BREACH_DIR")
        .env_remove("BREACH_RUNBOOKS")
        .env_remove("BREACH_NOW")
        .env("BREACH_CEILING_DIRECTORIES", dir)
        .env("XDG_CONFIG_HOME", dir.join(".xdg"))
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("BREACH_OPERATOR", "tester")
        .env("BREACH_DEVICE", "tester-box")
        .env("NO_COLOR", "1")
        .env("TZ", "UTC");
    cmd
}

fn tiny_runbook() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runbooks-small/tiny.yaml")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
    out
}

/// A time in the past of the real clock, for `BREACH_NOW`.
const FIXED: &str = "2020-01-01T00:00:00Z";

fn refused_for_breach_now(out: &Output) {
    assert_eq!(out.status.code(), Some(3), "{}", stderr(out));
    let err = stderr(out);
    assert!(
        err.contains("BREACH_NOW is set (\"2020-01-01T00:00:00Z\")")
            && err.contains("cannot mark records written under a fixed clock")
            && err.contains("unset BREACH_NOW")
            && err.contains("breach start --team"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_release_build_refuses_unmarked_fixed_clock_writes_and_says_when_it_reads_at_one() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let start = |cmd: &mut Command| {
        cmd.args(["start", "--no-walk", "--json", "--title", "Real clock"])
            .arg("--runbook")
            .arg(tiny_runbook())
            .output()
            .unwrap()
    };

    // Opening a format 1 incident under BREACH_NOW: refused, nothing created.
    refused_for_breach_now(&start(release(root).env("BREACH_NOW", FIXED)));
    assert!(
        std::fs::read_dir(root.join("incidents")).map_or(true, |mut d| d.next().is_none()),
        "an incident was created"
    );

    // At the machine's clock it opens and records.
    let json: serde_json::Value =
        serde_json::from_slice(&ok(start(&mut release(root))).stdout).unwrap();
    let path = root.join(json["path"].as_str().unwrap());
    ok(release(root).args(["note", "real time"]).output().unwrap());

    // Every write under BREACH_NOW is refused before anything is written, whatever its path
    // through the ledger (the quick append, the full one, a correction, the walk's).
    let before = std::fs::read(&path).unwrap();
    for args in [
        &["note", "forged"][..],
        &["check", "assess/scoped"],
        &["amend", "severity", "low", "--reason", "x"],
        &[
            "action",
            "add",
            "x",
            "--owner",
            "dev",
            "--due",
            "2026-12-31",
        ],
        &["close"],
    ] {
        let out = release(root)
            .env("BREACH_NOW", FIXED)
            .args(args)
            .output()
            .unwrap();
        refused_for_breach_now(&out);
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "a refused write wrote"
    );

    // Reading evaluates at BREACH_NOW and says so.
    let status = ok(release(root)
        .env("BREACH_NOW", "2030-01-01T00:00:00Z")
        .arg("status")
        .output()
        .unwrap());
    assert!(
        stderr(&status).contains("the clock is fixed by BREACH_NOW at 2030-01-01T00:00:00Z"),
        "{}",
        stderr(&status)
    );
    let export = ok(release(root)
        .env("BREACH_NOW", "2030-01-01T00:00:00Z")
        .args(["export", "--format", "json"])
        .output()
        .unwrap());
    let report: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(report["generated_at"], "2030-01-01T00:00:00Z", "{report}");
    assert!(
        report["clock_notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("fixed by BREACH_NOW at 2030-01-01T00:00:00Z")),
        "{report}"
    );
    ok(release(root)
        .env("BREACH_NOW", FIXED)
        .arg("verify")
        .output()
        .unwrap());
    let status = ok(release(root).arg("status").output().unwrap());
    assert!(!stderr(&status).contains("fixed by"), "{}", stderr(&status));

    // A team incident marks its records instead, in this build too.
    let team = tempfile::tempdir().unwrap();
    let troot = team.path();
    let out = ok(release(troot)
        .env("BREACH_NOW", FIXED)
        .args([
            "start",
            "--no-walk",
            "--team",
            "--json",
            "--title",
            "Rehearsal",
        ])
        .arg("--runbook")
        .arg(tiny_runbook())
        .output()
        .unwrap());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dir = troot.join(json["path"].as_str().unwrap());
    ok(release(troot)
        .env("BREACH_NOW", FIXED)
        .args(["note", "rehearsed"])
        .output()
        .unwrap());
    let journal = std::fs::read_to_string(dir.join("tester-box.yaml")).unwrap();
    assert_eq!(journal.matches("\nclock: fixed\n").count(), 2, "{journal}");
    let verify = ok(release(troot).arg("verify").output().unwrap());
    assert!(
        stderr(&verify).contains("2 of 2 records were written under a fixed clock"),
        "{}",
        stderr(&verify)
    );
}
