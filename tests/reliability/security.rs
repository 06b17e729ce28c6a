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

/// Bytes that would act on a terminal if printed raw: set the window title, clear the
/// screen, overwrite the line above, a hidden OSC-8 link and a right-to-left override.
const HOSTILE: &str = "t\u{1b}]0;pwned\u{7}c\u{1b}[2J\r\u{1b}[1A\u{1b}]8;;http://x\u{1b}\\l\u{1b}]8;;\u{1b}\\\u{202e}gpj.exe\u{9b}";

fn assert_no_raw_controls(what: &str, out: &std::process::Output) {
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        let raw: Vec<char> = text
            .chars()
            .filter(|&c| {
                (c.is_control() && c != '\n' && c != '\t')
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)
            })
            .collect();
        assert!(raw.is_empty(), "{what}: {stream} holds raw {raw:?}: {text}");
    }
}

#[test]
fn stored_and_runbook_text_is_never_printed_raw_but_kept_exact_in_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // A runbook whose own text is hostile: a step title, its owner, a template.
    let tiny = std::fs::read_to_string(tiny_runbook()).unwrap();
    let runbook = tiny
        .replace(
            "title: Assess",
            &format!("title: \"Assess {}\"", yaml_escape(HOSTILE)),
        )
        .replace(
            "owner: incident commander",
            &format!("owner: \"boss {}\"", yaml_escape(HOSTILE)),
        )
        + &format!(
            "templates:\n  - id: t1\n    audience: \"people {a}\"\n    subject: \"Subject {a}\"\n    body: \"Body {a} for {{{{ title }}}}\"\n",
            a = yaml_escape(HOSTILE)
        );
    let rb = root.join("hostile.yaml");
    std::fs::write(&rb, runbook).unwrap();
    let out = breach(root)
        .args([
            "start",
            "--no-walk",
            "--json",
            "--title",
            "Hostile",
            "--runbook",
        ])
        .arg(&rb)
        .output()
        .unwrap();
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = root.join(json["path"].as_str().unwrap());

    // A file name cannot hold `/`.
    let name = format!("ev{}.log", HOSTILE.replace('/', "_"));
    std::fs::write(root.join(&name), b"evidence").unwrap();
    let path_arg = root.join(&name);
    let path_arg = path_arg.to_str().unwrap();
    let cmds: Vec<Vec<&str>> = vec![
        vec!["note", HOSTILE],
        vec!["answer", "assess/summary", HOSTILE],
        vec!["step", "assess", "--skip", HOSTILE],
        vec!["evidence", "add", path_arg, "--note", HOSTILE],
        vec!["evidence", "list"],
        vec!["evidence", "verify"],
        vec!["notify", "draft", "t1"],
        vec!["notify", "list"],
        vec!["runbook", "show"],
        vec!["status"],
        vec!["list"],
        vec!["answer", "nope/x", HOSTILE],
    ];
    for args in &cmds {
        let mut args = args.clone();
        if args == ["runbook", "show"] {
            args.push(rb.to_str().unwrap());
        }
        let out = run(root, &args);
        if args[0] != "answer" || args[1] != "nope/x" {
            assert_ok(&out);
        }
        assert_no_raw_controls(&format!("{args:?}"), &out);
    }
    // The escapes are visible, not dropped.
    let status = stdout(&run(root, &["status"]));
    assert!(status.contains("Assess t\\e]0;pwned\\u{7"), "{status}");
    let list = stdout(&run(root, &["evidence", "list"]));
    assert!(list.contains("\\u{202e}"), "{list}");

    // The HTML export writes them as visible escapes too.
    let html = root.join("report.html");
    assert_ok(&run(
        root,
        &["export", "--format", "html", "-o", html.to_str().unwrap()],
    ));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page
            .chars()
            .any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{202e}'),
        "raw control in the HTML export"
    );

    // The file keeps the exact text.
    let records = records(&file);
    let note = records
        .iter()
        .find_map(|r| match &r.payload {
            breach::journal::Payload::Note(n) => Some(n.text.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(note, HOSTILE);
    let evidence = records
        .iter()
        .find_map(|r| match &r.payload {
            breach::journal::Payload::Evidence(e) => Some(e.path.clone()),
            _ => None,
        })
        .unwrap();
    // (In the recorded form of a path a backslash is written `\\`.)
    assert!(
        evidence.ends_with(&name.replace('\\', "\\\\")),
        "{evidence:?}"
    );
}

/// `text` as the inside of a double-quoted YAML string.
fn yaml_escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            c if c.is_control() || c as u32 >= 0x80 => format!("\\U{:08x}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

#[test]
fn runbook_init_writes_a_private_file_in_a_private_directory_under_umask_000() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let out = std::process::Command::new("sh")
        .current_dir(root)
        .env("BREACH", env!("CARGO_BIN_EXE_breach"))
        .arg("-c")
        .arg(r#"umask 000; "$BREACH" runbook init && "$BREACH" runbook init woocommerce -o new/dir/wc.yaml"#)
        .output()
        .unwrap();
    assert_ok(&out);
    assert_eq!(mode(&root.join("runbooks")), 0o700);
    assert_eq!(mode(&root.join("runbooks/ecommerce-breach.yaml")), 0o600);
    assert_eq!(mode(&root.join("new")), 0o700);
    assert_eq!(mode(&root.join("new/dir")), 0o700);
    assert_eq!(mode(&root.join("new/dir/wc.yaml")), 0o600);
}

#[test]
fn the_package_states_its_platforms_and_how_to_report_a_vulnerability() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |name: &str| std::fs::read_to_string(repo.join(name)).unwrap();
    // Unix only, said where a user and a packager look, and enforced by the build.
    assert!(env!("CARGO_PKG_DESCRIPTION").contains("(Unix)"));
    assert!(read("README.md").contains("`breach` runs on Unix"));
    assert!(read("src/lib.rs").contains("#[cfg(not(unix))]\ncompile_error!("));
    assert!(!env!("CARGO_PKG_RUST_VERSION").is_empty());
    assert!(!env!("CARGO_PKG_LICENSE").is_empty());
    // A security policy that says how to report privately, shipped in the package.
    let policy = read("SECURITY.md");
    assert!(
        policy.contains("## Reporting a vulnerability") && policy.contains("privately"),
        "{policy}"
    );
    assert!(read("Cargo.toml").contains("\"/SECURITY.md\","));
}
