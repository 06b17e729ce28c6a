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

    // Named for its incident, as breach names it (another name is warned about).
    let example = root.join("20261123T101500Z-card-skimmer-on-checkout.yaml");
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
    for sub in ["integrity", "invalid", "accepted", "verified"] {
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

/// The text of an incident file with record `k`'s hashed lines changed by `edit`, every
/// record after it re-chained and every hash recomputed: a file whose chain is sound, so
/// that only the rules on fields and the warnings are left to find it out.
fn forge(text: &str, k: usize, edit: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut prev = String::new();
    for (i, (_, chunk)) in breach::journal::format::chunks(text)
        .into_iter()
        .enumerate()
    {
        let mut hashed = chunk[..chunk.rfind("hash: ").unwrap()].to_string();
        if i == k {
            hashed = edit(&hashed);
        }
        if i > 0 {
            let start = hashed.find("\nprev: ").unwrap() + 1;
            let end = start + hashed[start..].find('\n').unwrap();
            hashed.replace_range(start..end, &format!("prev: {prev}"));
        }
        prev = breach::journal::format::sha256_hex(hashed.as_bytes());
        out.push_str(&format!("{hashed}hash: {prev}\n"));
    }
    out
}

/// A record like record `k`, appended at the end of the file (re-chained by [`forge`]).
fn append_copy(text: &str, k: usize) -> String {
    let chunks = breach::journal::format::chunks(text);
    let n = chunks.len();
    let copy = chunks[k]
        .1
        .replacen(&format!("seq: {k}\n"), &format!("seq: {n}\n"), 1);
    forge(&format!("{text}{copy}"), n, |h| h.to_string())
}

#[test]
fn the_independent_verifier_agrees_on_operators_notes_seq_closing_and_names() {
    let Some(py) = python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Field rules");
    assert_ok(&run(root, &["note", "a note"]));
    assert_ok(&run(root, &["close"]));
    let id = path.file_stem().unwrap().to_str().unwrap().to_string();
    assert_ok(&run(
        root,
        &[
            "-i",
            &id,
            "action",
            "add",
            "--owner",
            "ops",
            "--due",
            "2026-12-01",
            "Patch it",
        ],
    ));
    let text = std::fs::read_to_string(&path).unwrap();
    let recs = records(&path);
    let kinds: Vec<&str> = recs.iter().map(|r| r.payload.kind()).collect();
    assert_eq!(kinds, ["opened", "note", "closed", "action"]);
    let forged = root.join("forged");
    std::fs::create_dir(&forged).unwrap();
    // Named as the incident, so that only the case at hand differs.
    let file = forged.join(format!("{id}.yaml"));
    let both = |text: &str| {
        std::fs::write(&file, text).unwrap();
        let (code, said) = independent(py, &file);
        let out = run(root, &["verify", file.to_str().unwrap()]);
        (code, said, out.status.code().unwrap(), stderr(&out))
    };

    // The file as written: both accept it, and neither warns (an action item may follow
    // `closed`).
    let (code, said, theirs, err) = both(&text);
    assert_eq!((code, theirs), (0, 0), "{said} / {err}");
    assert!(
        !said.contains("warning") && !err.contains("warning"),
        "{said} / {err}"
    );

    // A quoted `seq` is allowed by the spec: both accept it.
    let quoted = forge(&text, 1, |h| h.replacen("seq: 1\n", "seq: '1'\n", 1));
    assert_ne!(quoted, text);
    let (code, said, theirs, err) = both(&quoted);
    assert_eq!((code, theirs), (0, 0), "{said} / {err}");

    // Operators: empty, too long, with a control character (C0 and C1): both refuse the
    // record as malformed; 200 characters and a non-ASCII name are fine.
    let long = "o".repeat(201);
    let fine = "ö".repeat(200);
    for (operator, ok) in [
        ("''", false),
        (long.as_str(), false),
        ("\"tes\\eter\"", false),
        ("\"tes\\tter\"", false),
        ("\"tes\\x85ter\"", false),
        (fine.as_str(), true),
    ] {
        let edited = forge(&text, 1, |h| {
            h.replacen("operator: tester\n", &format!("operator: {operator}\n"), 1)
        });
        assert_ne!(edited, text);
        let (code, said, theirs, err) = both(&edited);
        if ok {
            assert_eq!((code, theirs), (0, 0), "{operator}: {said} / {err}");
        } else {
            assert_eq!((code, theirs), (1, 5), "{operator}: {said} / {err}");
            assert!(
                said.starts_with("bad: record 1 ") && said.contains("operator"),
                "{said}"
            );
            assert!(
                err.contains("record 1") && err.contains("operator"),
                "{err}"
            );
        }
    }

    // An empty note text: both refuse it.
    for empty in ["''", "\"\""] {
        let edited = forge(&text, 1, |h| {
            h.replacen("  text: a note\n", &format!("  text: {empty}\n"), 1)
        });
        assert_ne!(edited, text);
        let (code, said, theirs, err) = both(&edited);
        assert_eq!((code, theirs), (1, 5), "{said} / {err}");
        assert!(said.contains("empty note text"), "{said}");
        assert!(err.contains("record 1") && err.contains("text"), "{err}");
    }

    // A note after `closed` (and after the action item): both accept the chain and warn.
    let late = append_copy(&text, 1);
    let (code, said, theirs, err) = both(&late);
    assert_eq!((code, theirs), (0, 0), "{said} / {err}");
    assert!(
        said.contains("warning: 1 record(s) follow the closed record, from record 4 on"),
        "{said}"
    );
    assert!(
        err.contains("follow the `closed` record, from record 4 on"),
        "{err}"
    );

    // A copy under another name: both accept the chain and warn.
    let copy = forged.join("copy.yaml");
    std::fs::write(&copy, &text).unwrap();
    let (code, said) = independent(py, &copy);
    let out = run(root, &["verify", copy.to_str().unwrap()]);
    assert_eq!((code, out.status.code().unwrap()), (0, 0), "{said}");
    assert!(
        said.contains(&format!(
            "warning: the file is named copy but holds incident {id}"
        )),
        "{said}"
    );
    assert!(
        stderr(&out).contains(&format!("named `copy` but holds incident `{id}`")),
        "{}",
        stderr(&out)
    );
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

/// Whether PyYAML can be imported. Without it the YAML 1.1 checks are skipped, except under
/// `CI`, where its absence fails the test.
fn pyyaml() -> bool {
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
    }
    ok
}

#[test]
fn a_yaml11_reader_reads_every_text_as_text() {
    if !pyyaml() {
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

/// One scalar of a YAML file: its path (the document's index, then the keys and indices
/// under it, joined with `.`), the name of its type as Python gives it, and its value.
type Scalar = (String, String, String);

/// The scalars of every document of `text` as `breach`'s own reader (YAML 1.2) reads them,
/// in the form `yaml11_types.py` prints; `None` when it is not YAML to that reader.
fn yaml12_scalars(text: &str) -> Option<Vec<Scalar>> {
    use serde::Deserialize;
    fn walk(v: &serde_yaml::Value, path: &str, out: &mut Vec<Scalar>) {
        let at = |k: &str| format!("{path}.{k}");
        let (kind, value) = match v {
            serde_yaml::Value::Mapping(m) => {
                for (k, v) in m {
                    let key = match k {
                        serde_yaml::Value::String(s) => s.clone(),
                        serde_yaml::Value::Bool(b) => if *b { "True" } else { "False" }.into(),
                        other => serde_yaml::to_string(other)
                            .unwrap_or_default()
                            .trim()
                            .into(),
                    };
                    walk(v, &at(&key), out);
                }
                return;
            }
            serde_yaml::Value::Sequence(l) => {
                for (i, v) in l.iter().enumerate() {
                    walk(v, &at(&i.to_string()), out);
                }
                return;
            }
            serde_yaml::Value::String(s) => ("str", s.clone()),
            serde_yaml::Value::Bool(b) => ("bool", if *b { "True" } else { "False" }.into()),
            serde_yaml::Value::Number(n) if n.is_i64() || n.is_u64() => ("int", n.to_string()),
            serde_yaml::Value::Number(n) => ("float", n.to_string()),
            serde_yaml::Value::Null => ("NoneType", "None".into()),
            serde_yaml::Value::Tagged(t) => ("tagged", t.tag.to_string()),
        };
        out.push((path.to_string(), kind.to_string(), value));
    }
    let mut out = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = serde_yaml::Value::deserialize(doc).ok()?;
        walk(&value, &i.to_string(), &mut out);
    }
    Some(out)
}

/// The instant `text` names, if it is a time in the file's own form, `YYYY-MM-DDTHH:MM:SSZ`.
fn own_time(text: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let form = text.len() == 20 && text.ends_with('Z') && text.as_bytes()[10] == b'T';
    form.then(|| chrono::DateTime::parse_from_rfc3339(text).ok())
        .flatten()
}

/// Where PyYAML (`py`) and YAML 1.2 (`own`) read a file differently: a value of another type
/// or another value, a key read as something else. The one difference the format allows: a
/// time in the file's own form, which stays plain, read by PyYAML as a timestamp of the same
/// instant. With `dates`, a `YYYY-MM-DD` read as a date of that day is allowed too (a
/// runbook's holidays are dates).
fn disagreements(py: &[Scalar], own: &[Scalar], dates: bool) -> Vec<String> {
    let py_at: std::collections::BTreeMap<&str, (&str, &str)> = py
        .iter()
        .map(|(p, t, v)| (p.as_str(), (t.as_str(), v.as_str())))
        .collect();
    let own_at: std::collections::BTreeMap<&str, (&str, &str)> = own
        .iter()
        .map(|(p, t, v)| (p.as_str(), (t.as_str(), v.as_str())))
        .collect();
    let mut found = Vec::new();
    for (path, (kind, value)) in &own_at {
        let Some(&(py_kind, py_value)) = py_at.get(path) else {
            found.push(format!(
                "{path}: PyYAML has no such value (a key read as another type?)"
            ));
            continue;
        };
        let same = match (*kind, py_kind) {
            ("float", "float") => value.parse::<f64>().ok() == py_value.parse::<f64>().ok(),
            (a, b) if a == b => value == &py_value,
            ("str", "datetime") => own_time(value).is_some_and(|t| {
                chrono::DateTime::parse_from_rfc3339(py_value).is_ok_and(|p| p == t)
            }),
            ("str", "date") => {
                dates
                    && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
                    && value == &py_value
            }
            _ => false,
        };
        if !same {
            found.push(format!(
                "{path}: YAML 1.2 reads {kind} {value:?}, PyYAML {py_kind} {py_value:?}"
            ));
        }
    }
    for path in py_at.keys().filter(|p| !own_at.contains_key(*p)) {
        found.push(format!("{path}: only PyYAML reads a value here"));
    }
    found
}

/// Runs `yaml11_types.py` on one file.
fn pyyaml_scalars(file: &Path) -> Vec<Scalar> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent/yaml11_types.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PyYAML cannot read {}: {}",
        file.display(),
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The files under `dir` (recursively), sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every incident file committed under tests/fixtures, every file the built-in runbooks
/// produce (a format 1 file with records of most kinds, a team incident's journals), and the
/// runbook pinned in each of them: PyYAML reads every value as the type and value `breach`'s
/// own YAML 1.2 reader does (times in the file's own form as timestamps of the same instant).
/// A fixture damaged on purpose in a way that is not YAML to `breach` either (tests/fixtures/
/// bad-input/incidents/integrity: bytes that are not UTF-8, a tab, a syntax error, nesting or
/// aliases past the limits) says nothing about how a writer quotes, and is left out, named.
#[test]
fn a_yaml11_reader_reads_every_fixture_and_built_in_incident_file_as_breach_does() {
    if !pyyaml() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();

    // What the built-in runbooks produce.
    for (i, (id, _)) in breach::runbook::builtin::BUILTINS.iter().enumerate() {
        let dir = root.join(format!("made-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        assert_ok(&run(
            &dir,
            &[
                "start",
                "--no-walk",
                "--runbook",
                id,
                "--title",
                "Card skimmer",
            ],
        ));
        let team = root.join(format!("team-{id}"));
        std::fs::create_dir_all(&team).unwrap();
        assert_ok(&run(
            &team,
            &[
                "start",
                "--no-walk",
                "--team",
                "--runbook",
                id,
                "--title",
                "on",
            ],
        ));
        assert_ok(&run(&team, &["note", "1:20"]));
        assert_ok(&run(
            &team,
            &[
                "action",
                "add",
                "yes",
                "--owner",
                "no",
                "--due",
                "2026-12-15",
            ],
        ));
        if i == 0 {
            // Records of most kinds, with the values a YAML 1.1 reader could misread.
            std::fs::write(dir.join("access.log"), "GET /checkout\n").unwrap();
            for args in [
                &[
                    "answer",
                    "assess/data_types",
                    "payment_cards,contact_details",
                ][..],
                &["answer", "assess/personal_data", "yes"],
                &["answer", "assess/jurisdictions", "EU"],
                &["answer", "assess/affected_customers", "1200"],
                &["check", "contain/isolate_systems"],
                &["note", "2026-01-01"],
                &["evidence", "add", "access.log", "--note", "off"],
                &[
                    "action",
                    "add",
                    "0777",
                    "--owner",
                    "y",
                    "--due",
                    "2026-12-15",
                ],
                &["notify", "sent", "authority-notice", "--to", "=", "--at"],
            ] {
                let mut args = args.to_vec();
                if args[0] == "notify" {
                    args.push("2026-11-23T10:00:00Z");
                }
                assert_ok(&run(&dir, &args));
            }
            assert_ok(&run(&dir, &["step", "rebuild-trust", "--skip", "null"]));
            assert_ok(&run(&dir, &["close"]));
        }
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let is_incident = |p: &Path| {
        std::fs::read(p)
            .is_ok_and(|b| b.starts_with(b"---\nseq:") || b.starts_with(b"\xef\xbb\xbf---\nseq:"))
    };
    let mut files: Vec<PathBuf> = files_under(&fixtures)
        .into_iter()
        .filter(|p| is_incident(p))
        .collect();
    let committed = files.len();
    files.extend(files_under(root).into_iter().filter(|p| {
        p.extension().is_some_and(|e| e == "yaml")
            && p.components().any(|c| c.as_os_str() == "incidents")
    }));
    assert!(committed >= 40, "the incident fixtures: {committed}");
    assert!(files.len() >= committed + 4, "{files:?}");

    let mut problems = Vec::new();
    let mut left_out = Vec::new();
    let mut checked = 0;
    let mut pinned: Vec<(String, String)> = Vec::new();
    for file in &files {
        let name = file
            .strip_prefix(&fixtures)
            .or_else(|_| file.strip_prefix(root))
            .unwrap_or(file)
            .display()
            .to_string();
        let own = std::fs::read_to_string(file)
            .ok()
            .filter(|t| breach::yaml_guard::check(t).is_ok())
            .and_then(|t| yaml12_scalars(&t));
        let Some(own) = own else {
            assert!(
                name.starts_with("bad-input/incidents/integrity/"),
                "{name} is not YAML to breach"
            );
            left_out.push(name);
            continue;
        };
        let py = pyyaml_scalars(file);
        for d in disagreements(&py, &own, false) {
            problems.push(format!("{name}: {d}"));
        }
        checked += 1;
        // The runbook pinned in an `opened` record, a YAML text of its own.
        for (path, kind, text) in &own {
            if kind == "str"
                && path.ends_with(".payload.runbook.text")
                && !pinned.iter().any(|(_, t)| t == text)
            {
                pinned.push((format!("{name} ({path})"), text.clone()));
            }
        }
    }
    assert!(
        pinned.len() >= 3,
        "tiny and the built-in runbooks: {}",
        pinned.len()
    );
    for (i, (name, text)) in pinned.iter().enumerate() {
        let copy = root.join(format!("pinned-{i}.yaml"));
        std::fs::write(&copy, text).unwrap();
        let own = yaml12_scalars(text)
            .unwrap_or_else(|| panic!("{name}: the pinned runbook is not YAML"));
        for d in disagreements(&pyyaml_scalars(&copy), &own, true) {
            problems.push(format!("{name}, the pinned runbook: {d}"));
        }
    }
    eprintln!(
        "{checked} incident files and {} pinned runbooks read alike; left out, not YAML on purpose: {left_out:?}",
        pinned.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
