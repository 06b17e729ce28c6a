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
    assert_ok(&run(root, &["-i", &b, "note", "to the latest"]));
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
    assert_ok(&run(root, &["-i", &b, "close", &b]));

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
