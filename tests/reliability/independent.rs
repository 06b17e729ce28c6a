//! The independent verifier (tests/independent/verify_incident.py, written from
//! docs/incident-file-format.md alone) agrees with breach on files breach writes, and the
//! document's example file is real.

use std::process::Command;

use super::*;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent/verify_incident.py")
}

pub(crate) fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: python3 is not installed; the independent verifier was not run");
    }
    ok.then_some("python3")
}

/// Runs the independent verifier: `(exit code, its one line)`.
fn independent(py: &str, file: &Path) -> (i32, String) {
    let out = Command::new(py).arg(script()).arg(file).output().unwrap();
    (out.status.code().unwrap(), stdout(&out).trim().to_string())
}

/// The example file in docs/incident-file-format.md.
fn doc_example() -> String {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/incident-file-format.md"),
    )
    .unwrap();
    let section = &doc[doc.find("## 10. Example").unwrap()..];
    let start = section.find("```yaml\n").unwrap() + "```yaml\n".len();
    let end = section[start..].find("```").unwrap();
    section[start..start + end].to_string()
}

#[test]
fn the_documented_example_verifies_with_breach() {
    let text = doc_example();
    let scan = breach::journal::file::scan_text(Path::new("example.yaml"), &text);
    scan.require_intact().unwrap();
    let incident = breach::ledger::fold(&scan).unwrap();
    assert!(incident.is_closed() && incident.warnings.is_empty());
    assert_eq!(
        scan.last_hash(),
        "307f7a1cc1d3b44f352bcfac8b709495dbd5de16acc9d3d494f14d1da92f3164"
    );
}

#[test]
fn the_independent_verifier_agrees_with_breach() {
    let Some(py) = python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();

    let example = root.join("example.yaml");
    std::fs::write(&example, doc_example()).unwrap();
    assert_eq!(
        independent(py, &example),
        (
            0,
            "ok: 6 records, last hash 307f7a1cc1d3b44f352bcfac8b709495dbd5de16acc9d3d494f14d1da92f3164"
                .into()
        )
    );

    // A file written by breach with the built-in runbook and every kind of answer.
    assert_ok(&run(
        root,
        &[
            "start",
            "--no-walk",
            "--title",
            "Independent check",
            "--detected-at",
            "2026-11-23T08:00:00Z",
        ],
    ));
    for args in [
        &["answer", "assess/breach_type", "card_skimming"][..],
        &["answer", "assess/data_types", "payment_cards,order_history"],
        &["answer", "assess/personal_data", "no"],
        &["answer", "assess/affected_customers", "17"],
        &["answer", "assess/determined_at", "2026-11-23T09:00:00Z"],
        &[
            "answer",
            "notify/responder_contact",
            "'quoted' \"text\" ünïcode\n---\nmore",
        ],
        &["check", "contain/isolate_systems"],
        &["note", "--", "---"],
        &["step", "monitor", "--skip", "not yet"],
        &["close"],
    ] {
        assert_ok(&run(root, args));
    }
    let path = breach::journal::store::incident_files(&root.join("incidents")).unwrap()[0].clone();
    let recs = records(&path);
    let (code, line) = independent(py, &path);
    assert_eq!(
        (code, line),
        (
            0,
            format!(
                "ok: {} records, last hash {}",
                recs.len(),
                recs.last().unwrap().hash
            )
        )
    );

    // One flipped byte in each record: both name that record.
    let text = std::fs::read_to_string(&path).unwrap();
    let bad = root.join("bad.yaml");
    for (k, (line, chunk)) in breach::journal::format::chunks(&text)
        .into_iter()
        .enumerate()
    {
        let at =
            chunk.as_ptr() as usize - text.as_ptr() as usize + chunk.find("\ntime: ").unwrap() + 10;
        let mut bytes = text.clone().into_bytes();
        bytes[at] ^= 0x01;
        std::fs::write(&bad, &bytes).unwrap();
        let (code, said) = independent(py, &bad);
        assert_eq!(code, 1, "{said}");
        assert!(
            said.starts_with(&format!("bad: record {k} (line {line})")),
            "{said}"
        );
        let out = run(root, &["verify", "bad.yaml"]);
        assert!(
            stderr(&out).contains(&format!("record {k} (line {line})")),
            "{}",
            stderr(&out)
        );
    }

    // A torn tail, and a torn tail cut inside a character.
    for cut in [text.len() - 30, text.rfind('ü').unwrap() + 1] {
        let k = breach::journal::format::chunks(&text)
            .iter()
            .filter(|(_, c)| (c.as_ptr() as usize - text.as_ptr() as usize) < cut)
            .count()
            - 1;
        std::fs::write(&bad, &text.as_bytes()[..cut]).unwrap();
        let (code, said) = independent(py, &bad);
        assert_eq!(code, 2, "{said}");
        assert!(said.starts_with(&format!("torn: record {k} ")), "{said}");
        assert_fails(&run(root, &["verify", "bad.yaml"]), 5);
    }

    // An unknown format version: both refuse it.
    let v2 = text.replacen("\n  format: 1\n", "\n  format: 2\n", 1);
    let chunk0 = breach::journal::format::chunks(&v2)[0].1;
    let hashed = &chunk0[..chunk0.rfind("hash: ").unwrap()];
    let rehashed = format!(
        "{hashed}hash: {}\n",
        breach::journal::format::sha256_hex(hashed.as_bytes())
    );
    std::fs::write(&bad, rehashed).unwrap();
    let (code, said) = independent(py, &bad);
    assert_eq!(
        (code, said.as_str()),
        (3, "unsupported: format version 2 is not supported")
    );
    let out = run(root, &["verify", "bad.yaml"]);
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("format version 2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_independent_verifier_agrees_on_the_bad_input_corpus() {
    let Some(py) = python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-input/incidents");
    for sub in ["integrity", "invalid", "accepted"] {
        for entry in std::fs::read_dir(base.join(sub)).unwrap() {
            let f = entry.unwrap().path();
            let (code, said) = independent(py, &f);
            let out = run(tmp.path(), &["verify", f.to_str().unwrap()]);
            let theirs = out.status.code().unwrap();
            // The independent verifier checks the chain, not the payloads' shapes: where it
            // accepts a file breach refuses, breach must be objecting to a payload.
            let agree = (code == 0) == (theirs == 0)
                || (code == 0
                    && (stderr(&out).contains("malformed") || stderr(&out).contains("runbook")));
            assert!(
                agree,
                "{f:?}: independent {code} ({said}), breach {theirs}: {}",
                stderr(&out)
            );
            if sub == "integrity" && !stderr(&out).contains("malformed") {
                assert_ne!(code, 0, "{f:?}: {said}");
            }
        }
    }
}

/// Texts a YAML 1.1 reader takes for other types unless they are quoted.
const YAML11_TEXTS: &[&str] = &[
    "yes",
    "no",
    "on",
    "off",
    "y",
    "N",
    "1_000",
    "0777",
    "1:20",
    "2026-01-01",
    "=",
    "~",
    "<<",
    ".5",
    "1.",
    "2026-1-1 10:00:00",
    "null",
    "true",
    "42",
    "plain words",
];

#[test]
fn a_yaml11_reader_reads_every_text_as_text() {
    let ok = Command::new("python3")
        .args(["-c", "import yaml"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "PyYAML (python3-yaml) is needed in CI for this test"
        );
        eprintln!("SKIPPED: PyYAML is not installed; the YAML 1.1 check was not run");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "YAML 1.1");
    for text in YAML11_TEXTS {
        assert_ok(&run(root, &["note", text]));
        assert_ok(&run(root, &["answer", "assess/summary", text]));
    }
    assert_ok(&run(root, &["answer", "assess/count", "1200"]));
    assert_ok(&run(root, &["answer", "assess/personal", "yes"]));
    assert_ok(&run(
        root,
        &["--operator", "on", "note", "an operator named on"],
    ));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent/yaml11_types.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    assert_ok(&out);
    let scalars: Vec<(String, String, String)> = serde_json::from_slice(&out.stdout).unwrap();
    let of = |suffix: &str| -> Vec<(String, String)> {
        scalars
            .iter()
            .filter(|(p, _, _)| p.ends_with(suffix))
            .map(|(_, t, v)| (t.clone(), v.clone()))
            .collect()
    };
    // Every note and text answer reads back as the same text.
    let notes = of(".payload.text");
    let texts: Vec<(String, String)> = of(".payload.value")
        .into_iter()
        .filter(|(t, _)| t == "str")
        .collect();
    for (what, got) in [("note", &notes), ("answer", &texts)] {
        for text in YAML11_TEXTS {
            assert!(
                got.iter().any(|(t, v)| t == "str" && v == text),
                "{what} {text:?} does not read back as text: {got:?}"
            );
        }
    }
    assert!(notes.iter().all(|(t, _)| t == "str"), "{notes:?}");
    // Numbers, booleans and ids keep their types; operators and kinds are text.
    assert!(
        of(".payload.value")
            .iter()
            .any(|(t, v)| t == "int" && v == "1200")
    );
    assert!(
        of(".payload.value")
            .iter()
            .any(|(t, v)| t == "bool" && v == "True")
    );
    assert!(of(".seq").iter().all(|(t, _)| t == "int"));
    for field in [".operator", ".kind", ".prev", ".hash"] {
        assert!(
            of(field).iter().all(|(t, _)| t == "str"),
            "{field}: {:?}",
            of(field)
        );
    }
    assert!(of(".operator").iter().any(|(_, v)| v == "on"));
    // Times in the file's own form read as timestamps of the same instant, or as text.
    assert!(
        of(".time")
            .iter()
            .all(|(t, _)| t == "datetime" || t == "str"),
        "{:?}",
        of(".time")
    );
}
