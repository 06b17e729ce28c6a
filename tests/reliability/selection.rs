//! Which incident a command acts on: `-i` with an id, a unique prefix, a path; the default;
//! the errors.

use super::*;

/// Opens an incident at a given time with the tiny runbook; returns its id.
fn open_at(root: &Path, now: &str, title: &str) -> String {
    open_tiny_json(root, Some(now), title)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn note_count(root: &Path, id: &str) -> usize {
    records(&root.join(format!("incidents/{id}.yaml")))
        .iter()
        .filter(|r| r.payload.kind() == "note")
        .count()
}

#[test]
fn incidents_are_found_by_id_prefix_path_or_default() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let none = run(root, &["note", "hello"]);
    assert_fails(&none, 4);
    assert!(
        stderr(&none).contains("no incidents in incidents"),
        "{}",
        stderr(&none)
    );
    assert!(stderr(&none).contains("breach start"));

    let a = open_at(root, "2026-11-23T10:15:00Z", "Alpha");
    let b = open_at(root, "2026-11-24T10:15:00Z", "Beta");
    assert_eq!(a, "20261123T101500Z-alpha");

    // With two open, a write that names none is refused (not on a terminal), listing both.
    let out = run(root, &["note", "to which?"]);
    assert_fails(&out, 4);
    assert!(
        stderr(&out).contains("2 incidents are open")
            && stderr(&out).contains(&a)
            && stderr(&out).contains(&b),
        "{}",
        stderr(&out)
    );
    assert_eq!((note_count(root, &a), note_count(root, &b)), (0, 0));
    // Incident b was opened a day after a: its records are written at its own time (a record
    // more than 120 seconds before the last one is refused).
    let in_b = |args: &[&str]| {
        breach(root)
            .env("BREACH_NOW", "2026-11-24T10:15:00Z")
            .args(args)
            .output()
            .unwrap()
    };
    assert_ok(&in_b(&["-i", &b, "note", "to the latest"]));
    assert_eq!((note_count(root, &a), note_count(root, &b)), (0, 1));
    // Full id, unique prefix, path.
    assert_ok(&run(root, &["-i", &a, "note", "by id"]));
    assert_ok(&run(root, &["-i", "20261123", "note", "by prefix"]));
    let path = format!("incidents/{a}.yaml");
    assert_ok(&run(root, &["--incident", &path, "note", "by path"]));
    assert_eq!((note_count(root, &a), note_count(root, &b)), (3, 1));

    // An ambiguous prefix names the candidates; an unknown one says so.
    let out = run(root, &["-i", "202611", "note", "which?"]);
    assert_fails(&out, 4);
    assert!(
        stderr(&out).contains(&a) && stderr(&out).contains(&b),
        "{}",
        stderr(&out)
    );
    assert_fails(&run(root, &["-i", "20250101", "note", "nothing"]), 4);

    // `-i` and the positional must agree.
    let out = run(root, &["-i", &a, "close", &b]);
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("two different incidents"),
        "{}",
        stderr(&out)
    );
    assert_ok(&run(root, &["verify", &b, "-i", "20261124"]));
    assert_ok(&in_b(&["-i", &b, "close", &b]));

    // With the latest closed, a write goes to the one open incident, and says so.
    let out = run(root, &["note", "falls back"]);
    assert_ok(&out);
    assert!(
        stdout(&out).contains(&format!("recorded #4 in {a}: note added")),
        "{}",
        stdout(&out)
    );
    assert_eq!((note_count(root, &a), note_count(root, &b)), (4, 1));
    // A read shows the most recently started incident, closed or not; `-i` and the
    // positional work alike for every read.
    let status = run(root, &["status", "--json"]);
    assert_ok(&status);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(
        (json["id"].as_str(), json["state"].as_str()),
        (Some(b.as_str()), Some("closed"))
    );
    for read in [
        &["export"][..],
        &["verify"],
        &["evidence", "list"],
        &["evidence", "verify"],
        &["notify", "list"],
    ] {
        assert_ok(&run(root, read));
        let positional = run(root, &[read, &[a.as_str()]].concat());
        let flag = run(root, &[&["-i", a.as_str()][..], read].concat());
        assert_ok(&positional);
        assert_eq!(positional.stdout, flag.stdout, "{read:?}");
        assert_eq!(positional.status.code(), flag.status.code(), "{read:?}");
    }
    assert_ok(&run(root, &["close"]));
    let out = run(root, &["note", "nowhere"]);
    assert_fails(&out, 4);
    assert!(stderr(&out).contains("every incident"), "{}", stderr(&out));
}

/// `breach` run in `cwd`, with the harness's environment but the searches bounded by `root`.
fn run_in(root: &Path, cwd: &Path, args: &[&str]) -> std::process::Output {
    breach(root)
        .current_dir(cwd)
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

#[test]
fn the_incident_directory_is_found_upward_or_from_a_configuration_file() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let id = open_at(root, "2026-11-23T10:15:00Z", "Alpha");
    let deep = root.join("shop/src/deep");
    std::fs::create_dir_all(&deep).unwrap();

    // From a subdirectory, the `incidents` directory above is found, for reads and writes.
    let status = run_in(root, &deep, &["status", "--json"]);
    assert_ok(&status);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["id"].as_str(), Some(id.as_str()));
    assert_ok(&run_in(root, &deep, &["note", "from below"]));
    assert_eq!(note_count(root, &id), 1);

    // Nothing found: status says where it looked, exit 4.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = run_in(elsewhere.path(), elsewhere.path(), &["status"]);
    assert_eq!(out.status.code(), Some(4));
    let text = stdout(&out);
    assert!(
        text.contains("Looked for the incident directory in:"),
        "{text}"
    );
    assert!(text.contains("--dir or BREACH_DIR: not set"), "{text}");
    assert!(text.contains(".breach.toml in "), "{text}");
    assert!(text.contains("incidents/ in "), "{text}");
    assert!(text.contains("config.toml: none"), "{text}");

    // A project-local .breach.toml names the directory (relative to the file), the operator
    // and the default runbook.
    let project = root.join("shop");
    std::fs::write(
        project.join(".breach.toml"),
        format!(
            "dir = \"records\"\noperator = \"carol\"\nrunbook = \"{}\"\n",
            tiny_runbook().display()
        ),
    )
    .unwrap();
    let out = breach(root)
        .current_dir(&deep)
        .env_remove("BREACH_OPERATOR")
        .args(["start", "--no-walk", "--json", "--title", "Beta"])
        .output()
        .unwrap();
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["runbook"]["id"].as_str(), Some("tiny"));
    let file = project.join("records/20261123T101500Z-beta.yaml");
    let opened = records(&file);
    assert_eq!(opened[0].operator, "carol");
    // --dir and BREACH_DIR still come first.
    let out = run_in(
        root,
        &deep,
        &[
            "--dir",
            root.join("incidents").to_str().unwrap(),
            "status",
            "--json",
        ],
    );
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["id"].as_str(), Some(id.as_str()));

    // The user's configuration file is used when nothing nearer is found.
    let user = tempfile::tempdir().unwrap();
    let xdg = user.path().join("xdg");
    std::fs::create_dir_all(xdg.join("breach")).unwrap();
    std::fs::write(
        xdg.join("breach/config.toml"),
        format!("dir = \"{}\"\n", root.join("incidents").display()),
    )
    .unwrap();
    let out = breach(user.path())
        .env("XDG_CONFIG_HOME", &xdg)
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["id"].as_str(), Some(id.as_str()));

    // A configuration file with an unknown key is refused with its name (exit 3).
    std::fs::write(project.join(".breach.toml"), "directory = \"x\"\n").unwrap();
    let out = run_in(root, &deep, &["status"]);
    assert_fails(&out, 3);
    assert!(stderr(&out).contains(".breach.toml"), "{}", stderr(&out));
}

#[test]
fn note_dash_reads_the_text_from_standard_input() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Piped");
    let out = breach(root)
        .args(["note", "-"])
        .write_stdin("line one\nline two\n")
        .output()
        .unwrap();
    assert_ok(&out);
    let text = records(&path)
        .iter()
        .find_map(|r| match &r.payload {
            breach::journal::Payload::Note(n) => Some(n.text.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(text, "line one\nline two");
    let before = std::fs::read(&path).unwrap();
    let out = breach(root)
        .args(["note", "-"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_fails(&out, 3);
    let out = breach(root)
        .args(["note", "-"])
        .write_stdin(vec![0xff, 0xfe])
        .output()
        .unwrap();
    assert_fails(&out, 3);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn in_a_pipe_list_tables_keep_every_value_whole_one_row_a_line() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    open_tiny(
        root,
        "A title long enough to be wrapped in a table cell of eighty columns",
    );
    let deep = root.join("evidence-folder-with-a-rather-long-name/and-another-level/sub");
    std::fs::create_dir_all(&deep).unwrap();
    let file = deep.join("access-log-of-the-checkout-server.log");
    std::fs::write(&file, b"GET /checkout\n").unwrap();
    let abs = file.canonicalize().unwrap();
    assert_ok(&run(
        root,
        &[
            "evidence",
            "add",
            abs.to_str().unwrap(),
            "--note",
            "web log at the time of the skimmer",
        ],
    ));
    for args in [
        &["evidence", "list"][..],
        &["evidence", "verify"],
        &["list"],
    ] {
        let out = run(root, args);
        assert_ok(&out);
        let text = stdout(&out);
        // The top border, the header, its rule, one line for the one row, the bottom border.
        assert_eq!(text.lines().count(), 5, "{args:?}:\n{text}");
    }
    let list = stdout(&run(root, &["evidence", "list"]));
    assert!(list.contains(abs.to_str().unwrap()), "{list}");
    assert!(
        list.contains("; note: web log at the time of the skimmer"),
        "{list}"
    );
    let incidents = stdout(&run(root, &["list"]));
    assert!(
        incidents.contains("A title long enough to be wrapped in a table cell of eighty columns"),
        "{incidents}"
    );
}
