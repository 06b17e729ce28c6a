//! Private files and no writing outside the incident directory.

use std::os::unix::fs::PermissionsExt;

use super::*;

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn files_are_0600_and_directories_0700_even_with_umask_000() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let sh = |script: &str| {
        std::process::Command::new("sh")
            .current_dir(root)
            .env("BREACH_DIR", "deep/er/incidents")
            .env("BREACH_NOW", "2026-11-23T10:15:00Z")
            .env("BREACH_OPERATOR", "alice")
            .env("TINY", tiny_runbook())
            .env("BREACH", env!("CARGO_BIN_EXE_breach"))
            .arg("-c")
            .arg(format!("umask 000; {script}"))
            .output()
            .unwrap()
    };
    assert_ok(&sh(
        r#""$BREACH" start --no-walk --title Private --runbook "$TINY""#,
    ));
    assert_ok(&sh(r#""$BREACH" note "a fact""#));
    let dir = root.join("deep/er/incidents");
    let file = dir.join("20261123T101500Z-private.yaml");
    assert_eq!(mode(&root.join("deep")), 0o700);
    assert_eq!(mode(&root.join("deep/er")), 0o700);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&file), 0o600);

    // The side file of a repair is private too.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(b"---\nseq: 2\ntime: 2026-");
    std::fs::write(&file, &bytes).unwrap();
    assert_eq!(sh(r#""$BREACH" verify --repair"#).status.code(), Some(0));
    let side: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".torn-"))
        .collect();
    assert_eq!(side.len(), 1);
    assert_eq!(mode(&side[0]), 0o600);
}

#[test]
fn nothing_is_written_outside_the_incident_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let inside = open_tiny(root, "Inside");
    // A valid incident outside the incident directory: a tempting target.
    std::fs::create_dir(root.join("outside")).unwrap();
    let victim = root.join("outside/20261123T101500Z-victim.yaml");
    std::fs::copy(&inside, &victim).unwrap();
    let victim_abs = victim.to_str().unwrap().to_string();
    let passwd = std::fs::read("/etc/passwd").ok();
    let before = std::fs::read(&victim).unwrap();
    let inside_before = std::fs::read(&inside).unwrap();

    for spec in [
        "../x",
        "../outside/20261123T101500Z-victim.yaml",
        "outside/20261123T101500Z-victim.yaml",
        "incidents/../outside/20261123T101500Z-victim.yaml",
        victim_abs.as_str(),
        "/etc/passwd",
        "/tmp",
    ] {
        let out = run(root, &["-i", spec, "note", "planted"]);
        assert!(!out.status.success(), "-i {spec} was accepted");
        assert!(!stderr(&out).contains("panicked"));
        let out = run(root, &["verify", "--repair", spec]);
        assert!(!out.status.success(), "-i {spec} repaired");
    }
    assert!(!root.join("x").exists() && !root.parent().unwrap().join("x").exists());
    assert_eq!(std::fs::read(&victim).unwrap(), before);
    assert_eq!(std::fs::read(&inside).unwrap(), inside_before);
    assert_eq!(std::fs::read("/etc/passwd").ok(), passwd);
}

#[test]
fn symlinked_incident_files_are_refused_for_writing_and_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let real = open_tiny(root, "Real");
    std::fs::create_dir(root.join("outside")).unwrap();
    let target = root.join("outside/target.yaml");
    std::fs::copy(&real, &target).unwrap();
    let before = std::fs::read(&target).unwrap();
    let link = root.join("incidents/20261124T000000Z-link.yaml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let link_path = "incidents/20261124T000000Z-link.yaml";

    let out = run(root, &["-i", link_path, "note", "through the link"]);
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    let out = run(root, &["verify", link_path]);
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_fails(&run(root, &["verify", "--repair", link_path]), 3);
    // By id the link is not an incident at all, and the default skips it.
    assert_fails(&run(root, &["-i", "20261124T000000Z-link", "note", "x"]), 4);
    assert_ok(&run(root, &["note", "to the real one"]));
    assert_eq!(std::fs::read(&target).unwrap(), before);
    assert_eq!(records(&real).len(), 2);
}
