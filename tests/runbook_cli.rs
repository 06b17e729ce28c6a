//! End-to-end tests of `breach runbook list | show | validate | init` against the real binary:
//! malformed runbooks (checked-in and generated), the shipped runbooks, a third-party
//! playbook, the outline and help text (snapshots), and the worked example of the format
//! documentation.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::breach;

/// Generous, for a debug build on a busy machine; a hang or quadratic blow-up takes far longer.
const QUICK: Duration = Duration::from_secs(20);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bad_dir() -> PathBuf {
    repo().join("tests/fixtures/runbooks/bad")
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

fn run(dir: &Path, args: &[&str]) -> Outcome {
    let started = Instant::now();
    let out = breach(dir).args(args).output().expect("the binary runs");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: started.elapsed(),
    }
}

fn validate(path: &Path) -> Outcome {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = path.to_str().expect("UTF-8 path");
    run(tmp.path(), &["runbook", "validate", path])
}

/// Checks the failure shape every bad input must have.
fn assert_refused(o: &Outcome, what: &str, code: i32) {
    assert_eq!(o.code, code, "{what}: exit code; stderr:\n{}", o.stderr);
    assert!(
        !o.stderr.contains("panicked"),
        "{what} panicked:\n{}",
        o.stderr
    );
    assert!(o.took < QUICK, "{what} took {:?}", o.took);
    assert!(o.stderr.starts_with("error: "), "{what}:\n{}", o.stderr);
}

/// Every checked-in malformed runbook: (file, line, column, a fragment of the message).
const BAD: &[(&str, usize, usize, &str)] = &[
    ("syntax-error", 14, 14, "invalid YAML: "),
    ("unknown-field-typo", 25, 5, "unknown field `titel`"),
    ("missing-field", 24, 5, "missing field `owner`"),
    (
        "wrong-type",
        24,
        19,
        "invalid type: string \"sometimes\", expected a boolean",
    ),
    ("duplicate-step-id", 24, 9, "duplicate step id `assess`"),
    (
        "duplicate-item-id",
        12,
        13,
        "duplicate item id `scope` in step `assess`",
    ),
    (
        "duplicate-question-id",
        21,
        13,
        "duplicate question id `kind`",
    ),
    ("duplicate-option", 20, 18, "duplicate option `skimmer`"),
    ("duplicate-key", 8, 5, "duplicate key `title`"),
    (
        "when-unknown-question",
        28,
        20,
        "`assess/kinds`, which is not a question",
    ),
    (
        "when-later-question",
        12,
        24,
        "`notify/extra`, which is asked later",
    ),
    (
        "satisfied-by-unknown-item",
        46,
        16,
        "item `notify/regulator`, which does not exist",
    ),
    (
        "satisfied-by-empty-event",
        44,
        19,
        "needs exactly one of `item`",
    ),
    (
        "unknown-deadline-anchor",
        42,
        11,
        "unknown deadline anchor `discovered`",
    ),
    ("within-two-units", 43, 13, "`within` has 2 units"),
    ("within-and-asap", 44, 11, "both `within` and `asap: true`"),
    (
        "select-without-options",
        17,
        15,
        "is a select question but has no `options`",
    ),
    (
        "options-on-text",
        25,
        11,
        "is a text question and cannot have `options`",
    ),
    ("empty", 1, 1, "the runbook is empty"),
    ("whitespace-only", 1, 1, "the runbook is empty"),
    ("no-steps", 4, 8, "the runbook has no steps"),
    (
        "wrong-version",
        1,
        17,
        "unsupported runbook format version 2",
    ),
    (
        "malformed-condition",
        28,
        11,
        "invalid condition on `assess/kind`",
    ),
    ("not-a-mapping", 1, 1, "not a runbook: found sequence"),
    ("unknown-question-kind", 23, 15, "did you mean `number`?"),
    ("several-problems", 12, 13, "duplicate item id `scope`"),
    ("mixed-problems", 12, 5, "unknown field `colour`"),
    (
        "wrong-type-entry",
        24,
        13,
        "options[0]: invalid type: string \"skimmer\"",
    ),
];

#[test]
fn every_malformed_runbook_names_its_line_and_column() {
    let mut listed: Vec<String> = std::fs::read_dir(bad_dir())
        .expect("fixture dir")
        .map(|e| {
            let p = e.expect("entry").path();
            p.file_stem().expect("name").to_string_lossy().into_owned()
        })
        .collect();
    listed.sort();
    let mut tabled: Vec<String> = BAD.iter().map(|(n, ..)| n.to_string()).collect();
    tabled.sort();
    assert_eq!(
        listed, tabled,
        "every fixture needs a row in BAD, and every row a fixture"
    );
    assert!(BAD.len() >= 20);

    for (name, line, column, fragment) in BAD {
        let path = bad_dir().join(format!("{name}.yaml"));
        let o = validate(&path);
        assert_refused(&o, name, 3);
        let located = format!("error: {}:{line}:{column}: ", path.display());
        let hit = o.stderr.lines().find(|l| l.starts_with(&located));
        let hit = hit.unwrap_or_else(|| panic!("{name}: no `{located}` in\n{}", o.stderr));
        assert!(hit.contains(fragment), "{name}: `{fragment}` not in {hit}");
        assert!(o.stdout.is_empty(), "{name}: {}", o.stdout);
    }
}

#[test]
fn unknown_fields_suggest_the_field_meant() {
    let o = validate(&bad_dir().join("unknown-field-typo.yaml"));
    assert!(o.stderr.contains("; did you mean `title`?"), "{}", o.stderr);
}

#[test]
fn all_semantic_problems_of_a_file_are_reported() {
    let path = bad_dir().join("several-problems.yaml");
    let o = validate(&path);
    let file = path.display().to_string();
    let located: Vec<&str> = o
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: ")?.strip_prefix(file.as_str()))
        .collect();
    assert_eq!(located.len(), 3, "{}", o.stderr);
    assert!(located[0].starts_with(":12:13: duplicate item id"));
    assert!(located[1].starts_with(":28:70: step `notify`: condition refers to `later/q`"));
    assert!(located[2].starts_with(":43:11: deadline `gdpr` has both"));
}

#[test]
fn every_problem_of_a_file_is_reported_shape_and_meaning_alike() {
    // serde alone stops at the first unknown field; the shape pass reads each element on
    // its own, and the semantic pass checks what parsed.
    let path = bad_dir().join("mixed-problems.yaml");
    let o = validate(&path);
    assert_refused(&o, "mixed-problems", 3);
    let file = path.display().to_string();
    let located: Vec<&str> = o
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: ")?.strip_prefix(file.as_str()))
        .collect();
    let expected = [
        ":12:5: steps[0]: unknown field `colour`",
        ":16:15: steps[0].questions[0].kind: unknown variant `multiple_choice`",
        ":17:9: duplicate step id `assess`",
        ":21:5: steps[1]: unknown field `priority`",
        ":28:21: deadlines[0].within.hours: invalid type: string \"seventy-two\"",
    ];
    assert_eq!(located.len(), expected.len(), "{}", o.stderr);
    for (line, want) in located.iter().zip(expected) {
        assert!(line.starts_with(want), "`{want}` expected, got `{line}`");
    }
    assert!(
        o.stderr
            .ends_with("1 of 1 runbook file failed validation\n"),
        "{}",
        o.stderr
    );

    let tmp = tempfile::tempdir().expect("temp dir");
    let o = run(tmp.path(), &["runbook", "validate", "--json", &file]);
    assert_eq!(o.code, 3, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
    let problems = v[0]["problems"].as_array().expect("problems");
    let at: Vec<(u64, u64)> = problems
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap_or(0),
                p["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        at,
        vec![(12, 5), (16, 15), (17, 9), (21, 5), (28, 21)],
        "{}",
        o.stdout
    );
    assert_eq!(v[0]["valid"], false);
}

/// An entry of the wrong type takes only itself out of the check: the other entries of its
/// list are still checked, for shape and meaning, and each problem names its place.
#[test]
fn a_list_entry_of_the_wrong_type_leaves_its_siblings_checked() {
    let path = bad_dir().join("wrong-type-entry.yaml");
    let o = validate(&path);
    assert_refused(&o, "wrong-type-entry", 3);
    let file = path.display().to_string();
    let located: Vec<&str> = o
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: ")?.strip_prefix(file.as_str()))
        .collect();
    let expected = [
        ":15:53: steps[0].items[0].or[0]: invalid type: integer `12`",
        ":15:57: item `assess/scope`: `or` names `preserved`",
        ":16:9: steps[0].items[1]: invalid type: string \"Check the backups\"",
        ":18:14: duplicate item id `preserve`",
        ":24:13: steps[0].questions[0].options[0]: invalid type: string \"skimmer\"",
        ":25:44: steps[0].questions[0].options[1]: unknown field `colour`",
        ":26:18: duplicate option `theft`",
        ":34:28: deadlines[0].holidays[1]: ",
        ":34:40: deadlines[0].holidays[2]: ",
        ":35:45: deadlines[0].satisfied_by[1]: invalid type: integer `12`",
        ":35:56: deadline `gdpr`: `satisfied_by` refers to item `assess/nothing`",
        ":40:22: deadlines[1].from[1]: invalid type: integer `7`",
        ":40:32: deadline `acquirer`: `from` refers to item `assess/gone`",
    ];
    for (line, want) in located.iter().zip(expected) {
        assert!(line.starts_with(want), "`{want}` expected, got `{line}`");
    }
    assert_eq!(located.len(), expected.len(), "{}", o.stderr);

    // The JSON gives the same places, in file order.
    let tmp = tempfile::tempdir().expect("temp dir");
    let o = run(tmp.path(), &["runbook", "validate", "--json", &file]);
    assert_eq!(o.code, 3, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
    let at: Vec<(u64, u64)> = v[0]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap_or(0),
                p["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let want: Vec<(u64, u64)> = expected
        .iter()
        .map(|e| {
            let mut parts = e[1..].split(':');
            let line = parts.next().unwrap().parse().unwrap();
            let column = parts.next().unwrap().parse().unwrap();
            (line, column)
        })
        .collect();
    assert_eq!(at, want, "{}", o.stdout);
}

/// A runbook that is valid but for what each generated case adds.
const PREFIX: &str = "breach_runbook: 1\nid: gen\ntitle: Generated\n";

#[test]
fn generated_hostile_inputs_are_refused_quickly_and_cleanly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).expect("write fixture");
        p
    };

    // Every byte value, twice over: not UTF-8 from byte 0x80 on (after one newline).
    let junk: Vec<u8> = (0..512u32).map(|i| (i % 256) as u8).collect();
    let p = write("junk.yaml", &junk);
    let o = validate(&p);
    assert_refused(&o, "binary junk", 3);
    assert!(o.stderr.contains(&format!(
        "{}:2:118: not valid UTF-8 (byte 0x80",
        p.display()
    )));

    // Valid UTF-8 but control characters, which YAML does not allow.
    let p = write("control.yaml", b"\x01\x02\x03 binary\x00stuff\n");
    let o = validate(&p);
    assert_refused(&o, "control characters", 3);
    assert!(
        o.stderr
            .contains(&format!("{}:1:11: invalid YAML", p.display())),
        "{}",
        o.stderr
    );

    // Latin-1 text where UTF-8 is required.
    let mut latin1 = PREFIX.as_bytes().to_vec();
    latin1.extend_from_slice(b"description: caf\xe9 au lait\n");
    let p = write("latin1.yaml", &latin1);
    let o = validate(&p);
    assert_refused(&o, "non-UTF-8", 3);
    assert!(
        o.stderr
            .contains(&format!("{}:4:17: not valid UTF-8 (byte 0xE9", p.display()))
    );

    // A billion laughs inside a value serde must build.
    let mut bomb = String::from(PREFIX);
    bomb.push_str("steps:\n  - id: a\n    title: A\n    guidance: G\n    owner: O\n");
    bomb.push_str("    questions: [{id: q, prompt: P, kind: text}]\n");
    bomb.push_str("  - id: b\n    title: B\n    guidance: G\n    owner: O\n");
    bomb.push_str("    when:\n      answer: a/q\n      equals:\n");
    bomb.push_str("        - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = format!("*l{}", i - 1);
        bomb.push_str(&format!(
            "        - &l{i} [{}]\n",
            [p.as_str(); 10].join(", ")
        ));
    }
    let p = write("bomb.yaml", bomb.as_bytes());
    let o = validate(&p);
    assert_refused(&o, "alias bomb", 3);
    assert!(
        o.stderr.contains(&format!("{}:", p.display())),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("repetition limit"), "{}", o.stderr);

    // Deep nesting, flow and block.
    let deep = format!("{PREFIX}steps: {}", "[".repeat(1_000_000));
    let p = write("deep-flow.yaml", deep.as_bytes());
    let o = validate(&p);
    assert_refused(&o, "deep flow nesting", 3);
    assert!(
        o.stderr.contains(&format!("{}:4:", p.display())),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("nesting deeper than"), "{}", o.stderr);
    let deep = format!("{PREFIX}steps:\n{}", "- ".repeat(500_000));
    let p = write("deep-block.yaml", deep.as_bytes());
    let o = validate(&p);
    assert_refused(&o, "deep block nesting", 3);
    assert!(
        o.stderr.contains(&format!("{}:5:", p.display())),
        "{}",
        o.stderr
    );

    // 50 MB (sparse, so the test writes next to nothing).
    let p = dir.join("huge.yaml");
    let f = std::fs::File::create(&p).expect("create");
    f.set_len(50 * 1024 * 1024).expect("grow");
    let o = validate(&p);
    assert_refused(&o, "50 MB", 3);
    assert!(
        o.stderr.contains("larger than the 4194304-byte limit"),
        "{}",
        o.stderr
    );

    // A directory, a dangling symbolic link, a missing file.
    let p = dir.join("a-directory.yaml");
    std::fs::create_dir(&p).expect("mkdir");
    let o = validate(&p);
    assert_refused(&o, "directory", 3);
    assert!(o.stderr.contains("is a directory"), "{}", o.stderr);
    #[cfg(unix)]
    {
        let p = dir.join("dangling.yaml");
        std::os::unix::fs::symlink(dir.join("nowhere.yaml"), &p).expect("symlink");
        let o = validate(&p);
        assert_refused(&o, "dangling symlink", 4);
        assert!(
            o.stderr
                .contains("symbolic link to a file that does not exist")
        );
    }
    let o = validate(&dir.join("missing.yaml"));
    assert_refused(&o, "missing file", 4);
    assert!(o.stderr.contains("does not exist"), "{}", o.stderr);
}

#[test]
fn a_playbook_for_another_tool_gets_one_clear_error() {
    let path = repo().join("tests/fixtures/third-party/playbook-NIST_-_Handling_an_Incident.yml");
    let o = validate(&path);
    assert_refused(&o, "XSOAR playbook", 3);
    let expected = format!("error: {}:1:1: missing `breach_runbook: 1`", path.display());
    assert!(o.stderr.starts_with(&expected), "{}", o.stderr);
}

#[test]
fn the_shipped_runbooks_are_valid() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let files = [
        "runbooks/ecommerce-breach.yaml",
        "runbooks/woocommerce.yaml",
    ];
    let paths: Vec<String> = files
        .iter()
        .map(|f| repo().join(f).display().to_string())
        .collect();
    let mut args = vec!["runbook", "validate"];
    args.extend(paths.iter().map(String::as_str));
    let o = run(tmp.path(), &args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stderr, "");
    assert_eq!(o.stdout.lines().count(), 2);
    assert!(
        o.stdout
            .contains("ecommerce-breach.yaml (ecommerce-breach, 10 steps)")
    );
    assert!(
        o.stdout
            .contains("woocommerce.yaml (woocommerce, 11 steps)")
    );
}

#[test]
fn validate_json_lists_each_file_and_its_problems() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let good = repo().join("runbooks/woocommerce.yaml");
    let bad = bad_dir().join("within-two-units.yaml");
    let o = run(
        tmp.path(),
        &[
            "runbook",
            "validate",
            "--json",
            good.to_str().expect("path"),
            bad.to_str().expect("path"),
        ],
    );
    assert_eq!(o.code, 3);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
    assert_eq!(v[0]["valid"], true);
    assert_eq!(v[0]["id"], "woocommerce");
    assert_eq!(v[1]["valid"], false);
    assert_eq!(v[1]["problems"][0]["line"], 43);
    assert_eq!(v[1]["problems"][0]["column"], 13);
}

#[test]
fn show_lists_the_ten_steps_in_order_with_their_items_and_questions() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let o = run(tmp.path(), &["runbook", "show", "ecommerce-breach"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // Step headings look like `3. Notify the affected parties [notify]`.
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in o.stdout.lines() {
        let heading = line
            .split_once(". ")
            .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            .and_then(|(_, rest)| rest.rsplit_once(" [")?.1.strip_suffix(']'));
        match heading {
            Some(id) => sections.push((id.to_string(), String::new())),
            None => {
                if let Some((_, body)) = sections.last_mut() {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    let ids: Vec<&str> = sections.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "assess",
            "contain",
            "notify",
            "investigate",
            "communicate",
            "report",
            "remediate",
            "monitor",
            "review",
            "rebuild-trust"
        ]
    );
    let rb = breach::runbook::load(Some("ecommerce-breach")).expect("built-in loads");
    for ((id, body), step) in sections.iter().zip(&rb.runbook.steps) {
        assert_eq!(id, &step.id);
        assert!(body.contains(&format!("owner: {}", step.owner)), "{id}");
        let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
        for item in &step.items {
            assert!(
                flat.contains(&format!("[{}]", item.id)),
                "{id}: item {}",
                item.id
            );
            let text: String = item.text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                flat.contains(&format!("[ ] {text}")),
                "{id}: item text {text}"
            );
        }
        for q in &step.questions {
            let prompt: String = q.prompt.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                flat.contains(&format!("? {prompt} ({}", q.kind.as_str())),
                "{id}: {prompt}"
            );
            for c in &q.options {
                assert!(
                    flat.contains(&format!("- {} [{}]", c.label, c.id)),
                    "{id}: {}",
                    c.id
                );
            }
        }
    }
    let longest = o
        .stdout
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    assert!(longest <= 80, "a line of {longest} characters");
}

#[test]
fn show_outline_of_woocommerce() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let o = run(tmp.path(), &["runbook", "show", "woocommerce"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    insta::assert_snapshot!("show_woocommerce", o.stdout);
}

#[test]
fn show_json_and_unknown_names() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let o = run(tmp.path(), &["runbook", "show", "woocommerce", "--json"]);
    assert_eq!(o.code, 0);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
    assert_eq!(v["id"], "woocommerce");
    assert_eq!(v["steps"].as_array().map(Vec::len), Some(11));
    let o = run(tmp.path(), &["runbook", "show", "no-such-runbook"]);
    assert_refused(&o, "unknown runbook", 4);
    assert!(o.stderr.contains("no runbook named `no-such-runbook`"));
}

#[test]
fn list_shows_built_ins_and_files_marking_invalid_ones() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::create_dir(dir.join("runbooks")).expect("mkdir");
    std::fs::copy(
        repo().join("runbooks/woocommerce.yaml"),
        dir.join("runbooks/shop.yaml"),
    )
    .expect("copy");
    std::fs::write(
        dir.join("runbooks/broken.yml"),
        "breach_runbook: 1\nid: [\n",
    )
    .expect("write");
    std::fs::write(dir.join("runbooks/notes.txt"), "not a runbook").expect("write");
    let extra = dir.join("extra");
    std::fs::create_dir(&extra).expect("mkdir");
    std::fs::copy(
        bad_dir().join("within-and-asap.yaml"),
        extra.join("legal.yaml"),
    )
    .expect("copy");

    let o = breach(dir)
        .args(["runbook", "list"])
        .env("BREACH_RUNBOOKS", &extra)
        .output();
    let o = o.expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .skip(1)
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 5, "{stdout}");
    assert_eq!(
        rows[0],
        [
            "ecommerce-breach",
            "Online store breach response",
            "10",
            "built-in"
        ]
    );
    assert_eq!(rows[1][0], "woocommerce");
    assert_eq!(
        rows[2],
        ["broken", "INVALID (1 problem)", "-", "runbooks/broken.yml"]
    );
    assert_eq!(
        rows[3],
        [
            "woocommerce",
            "WooCommerce store breach response",
            "11",
            "runbooks/shop.yaml"
        ]
    );
    assert_eq!(rows[4][0], "legal");
    assert!(rows[4][1].starts_with("INVALID"));
    assert!(rows[4][3].ends_with("legal.yaml"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("breach runbook validate"));

    let o = breach(dir)
        .args(["runbook", "list", "--json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(4));
    assert_eq!(v[0]["source"]["kind"], "builtin");
    assert_eq!(v[2]["valid"], false);
    assert_eq!(v[2]["problems"][0]["line"], 3);
    assert_eq!(v[3]["source"]["path"], "runbooks/shop.yaml");
}

#[test]
fn init_copies_a_built_in_and_never_overwrites() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let o = run(dir, &["runbook", "init"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let written =
        std::fs::read_to_string(dir.join("runbooks/ecommerce-breach.yaml")).expect("written");
    assert_eq!(
        written,
        breach::runbook::builtin::get("ecommerce-breach").expect("built-in")
    );
    assert!(
        o.stderr.contains("breach start --runbook ecommerce-breach"),
        "{}",
        o.stderr
    );

    std::fs::write(dir.join("runbooks/ecommerce-breach.yaml"), "edited").expect("edit");
    let o = run(dir, &["runbook", "init"]);
    assert_refused(&o, "existing file", 6);
    assert!(o.stderr.contains("already exists"));
    let kept = std::fs::read_to_string(dir.join("runbooks/ecommerce-breach.yaml")).expect("kept");
    assert_eq!(kept, "edited");

    let o = run(
        dir,
        &["runbook", "init", "woocommerce", "-o", "shops/mine.yaml"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains("breach start --runbook shops/mine.yaml"),
        "{}",
        o.stderr
    );
    let o = run(dir, &["runbook", "validate", "shops/mine.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);

    let o = run(dir, &["runbook", "init", "nonesuch"]);
    assert_refused(&o, "unknown built-in", 4);
}

/// Every command's `--help`, found by walking the clap tree so that a new command is
/// snapshotted too.
#[test]
fn help_text_snapshots() {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(path.clone());
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            walk(sub, p, out);
        }
    }
    let mut paths = Vec::new();
    walk(&breach::cli::Cli::command(), Vec::new(), &mut paths);
    let tmp = tempfile::tempdir().expect("temp dir");
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        // Without the harness's environment, so the help shows no per-run values.
        let out = breach(tmp.path())
            .env_remove("BREACH_DIR")
            .env_remove("BREACH_OPERATOR")
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let name = if path.is_empty() {
            "help".to_string()
        } else {
            format!("help_{}", path.join("_"))
        };
        insta::assert_snapshot!(name, String::from_utf8_lossy(&out.stdout));
    }
}

/// The worked example in docs/runbook-format.md is a valid runbook, so the documentation
/// cannot drift from what `breach` accepts.
#[test]
fn the_documented_example_is_valid() {
    let doc = std::fs::read_to_string(repo().join("docs/runbook-format.md")).expect("doc");
    let marker = "<!-- full example: checked by tests/runbook_cli.rs -->";
    let after = &doc[doc.find(marker).expect("marker in the doc") + marker.len()..];
    let body = after.split_once("```yaml\n").expect("a yaml block").1;
    let example = body.split_once("\n```").expect("closed block").0;
    let rb = breach::runbook::parse_text(example, "docs/runbook-format.md example").unwrap_or_else(
        |ps| {
            panic!(
                "{}",
                ps.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        },
    );
    // The example is meant to show every feature.
    assert!(!rb.deadlines.is_empty() && !rb.templates.is_empty() && !rb.references.is_empty());
    assert!(!rb.holidays.is_empty());
    let kinds: std::collections::HashSet<&str> = rb
        .steps
        .iter()
        .flat_map(|s| s.questions.iter().map(|q| q.kind.as_str()))
        .collect();
    assert_eq!(kinds.len(), 6, "every question kind: {kinds:?}");

    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("example.yaml");
    std::fs::write(&file, example).expect("write");
    let o = run(tmp.path(), &["runbook", "validate", "example.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = run(tmp.path(), &["runbook", "show", "example.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

/// A valid runbook just under the size limit is accepted, in bounded time, even though it is
/// far larger than the position index records.
#[test]
fn a_valid_runbook_near_the_size_limit_is_accepted() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut text = String::from(PREFIX);
    text.push_str("steps:\n");
    let mut i = 0;
    while text.len() < 3_900_000 {
        let when = if i == 0 {
            String::new()
        } else {
            format!(", when: {{answer: s{}/q, equals: true}}", i - 1)
        };
        text.push_str(&format!(
            "  - {{id: s{i}, title: T, guidance: G, owner: O, items: [{{id: a, text: A}}], \
             questions: [{{id: q, prompt: P, kind: confirm{when}}}]}}\n"
        ));
        i += 1;
    }
    std::fs::write(tmp.path().join("big.yaml"), &text).expect("write");
    let o = run(tmp.path(), &["runbook", "validate", "big.yaml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.took < QUICK * 2, "took {:?}", o.took);
    assert!(o.stdout.contains(&format!("{i} steps")), "{}", o.stdout);
}

#[test]
fn man_writes_one_page_per_command_with_environment_and_exit_status() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = breach(dir).arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH breach 1"), "{page}");
    assert!(page.contains(".SH ENVIRONMENT") && page.contains(".SH \"EXIT STATUS\""));
    assert!(page.contains("BREACH_LOCK_TIMEOUT"));
    // BREACH_DIR alone does not turn printing into writing.
    let out = breach(dir)
        .env("BREACH_DIR", dir.join("elsewhere"))
        .arg("man")
        .output()
        .unwrap();
    assert!(out.status.success() && !dir.join("elsewhere").exists());

    breach(dir)
        .args(["man", "--dir", "man1"])
        .assert()
        .success();
    for name in [
        "breach",
        "breach-start",
        "breach-evidence-add",
        "breach-runbook-validate",
    ] {
        let page = std::fs::read_to_string(dir.join(format!("man1/{name}.1"))).unwrap();
        assert!(page.contains(&format!(".TH {name} 1")), "{name}: {page}");
        assert!(page.contains(".SH ENVIRONMENT"), "{name}");
        assert!(page.contains(".SH \"EXIT STATUS\""), "{name}");
    }
    let count = std::fs::read_dir(dir.join("man1")).unwrap().count();
    assert!(count >= 20, "{count} pages");
}

#[test]
fn completion_offers_incident_step_item_question_and_template_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    breach(dir)
        .args(["start", "--no-walk", "--title", "Skimmer"])
        .assert()
        .success();
    let complete = |words: &[&str]| -> Vec<String> {
        let out = breach(dir)
            .env("COMPLETE", "fish")
            .arg("--")
            .args(words)
            .output()
            .unwrap();
        assert!(out.status.success(), "{words:?}");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_string())
            .collect()
    };
    let id = "20261123T101500Z-skimmer".to_string();
    assert_eq!(
        complete(&["breach", "status", "2026"]),
        std::slice::from_ref(&id)
    );
    assert_eq!(complete(&["breach", "-i", ""]), [id]);
    assert!(complete(&["breach", "step", "con"]).contains(&"contain".to_string()));
    let items = complete(&["breach", "check", "contain/"]);
    assert!(
        items.contains(&"contain/isolate_systems".to_string()),
        "{items:?}"
    );
    let questions = complete(&["breach", "answer", "assess/per"]);
    assert!(
        questions.contains(&"assess/personal_data".to_string()),
        "{questions:?}"
    );
    let templates = complete(&["breach", "notify", "draft", ""]);
    assert!(
        templates.contains(&"customer-notice".to_string()),
        "{templates:?}"
    );
}
