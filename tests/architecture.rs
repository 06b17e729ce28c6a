//! The import rules of `docs/architecture.md`, enforced: every `crate::…` path in `src/` must
//! point at a part that the rules table allows for the part the file belongs to; and the
//! core names no command outside its comments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The rules table: part → the parts (or `part::module` paths) it may import. `None` for a
/// part that may import every part.
type Rules = BTreeMap<String, Option<Vec<String>>>;

fn rules_from(doc: &str) -> Rules {
    let start = doc
        .find("<!-- rules:")
        .expect("docs/architecture.md has the rules table marker");
    let end = doc[start..]
        .find("<!-- end of rules -->")
        .map(|e| start + e)
        .expect("docs/architecture.md has the end-of-rules marker");
    let mut rules = Rules::new();
    for line in doc[start..end].lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
        if cells.len() != 2 || !cells[0].contains('`') {
            continue;
        }
        let part = cells[0].trim().trim_matches('`').to_string();
        let allowed = if cells[1].trim() == "every part" {
            None
        } else {
            Some(
                cells[1]
                    .split(',')
                    .map(|c| c.trim().trim_matches('`').to_string())
                    .filter(|c| !c.is_empty())
                    .collect(),
            )
        };
        rules.insert(part, allowed);
    }
    rules
}

/// The `crate::` paths a Rust source uses, as `part` or `part::module`, with their line.
fn crate_paths(source: &str) -> Vec<(usize, String, Option<String>)> {
    let mut out = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                // `use crate::{a, b::c}`: each name in the group.
                let inner = group.split('}').next().unwrap_or("");
                for name in inner.split(',') {
                    let mut segs = name.trim().split("::");
                    if let Some(first) = segs.next().filter(|s| !s.is_empty()) {
                        out.push((n + 1, first.to_string(), segs.next().map(str::to_string)));
                    }
                }
            } else {
                let ident = |s: &str| -> String {
                    s.chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect()
                };
                let first = ident(after);
                let sub = after[first.len()..]
                    .strip_prefix("::")
                    .map(ident)
                    .filter(|s| !s.is_empty());
                if !first.is_empty() {
                    out.push((n + 1, first, sub));
                }
            }
            rest = after;
        }
    }
    out
}

/// The part a file under `src/` belongs to (`None` for `lib.rs` and `main.rs`).
fn part_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let part = first.strip_suffix(".rs").unwrap_or(first);
    (part != "lib" && part != "main").then(|| part.to_string())
}

/// Every broken rule in one file's source, as messages.
fn violations(rules: &Rules, part: &str, file: &str, source: &str) -> Vec<String> {
    let Some(allowed) = rules.get(part) else {
        return vec![format!(
            "{file}: part `{part}` is not in the rules table of docs/architecture.md"
        )];
    };
    let Some(allowed) = allowed else {
        return Vec::new();
    };
    crate_paths(source)
        .into_iter()
        .filter(|(_, dep, sub)| {
            dep != part
                && !allowed.iter().any(|a| match a.split_once("::") {
                    Some((p, m)) => p == dep && sub.as_deref() == Some(m),
                    None => a == dep,
                })
        })
        .map(|(line, dep, sub)| {
            let path = sub.map_or(dep.clone(), |s| format!("{dep}::{s}"));
            format!("{file}:{line}: `{part}` may not import `crate::{path}`")
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn rules() -> Rules {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/architecture.md"))
        .expect("docs/architecture.md exists");
    rules_from(&doc)
}

#[test]
fn every_import_in_src_follows_the_rules_of_docs_architecture_md() {
    let rules = rules();
    assert!(rules.len() >= 13, "the rules table was not read: {rules:?}");
    let src = Path::new(ROOT).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in &files {
        let relative = path.strip_prefix(&src).expect("under src/");
        let Some(part) = part_of(relative) else {
            continue;
        };
        let source = std::fs::read_to_string(path).expect("read a source file");
        checked += 1;
        problems.extend(violations(
            &rules,
            &part,
            &relative.display().to_string(),
            &source,
        ));
    }
    assert!(checked > 40, "only {checked} files were checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_part_of_src_has_a_row_in_the_rules_table() {
    let rules = rules();
    let mut parts: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("src"))
        .expect("read src/")
        .filter_map(|e| part_of(Path::new(&e.expect("dir entry").file_name())))
        .collect();
    parts.sort();
    parts.dedup();
    for part in parts {
        assert!(rules.contains_key(&part), "no rule for part `{part}`");
    }
}

#[test]
fn the_check_catches_a_broken_rule() {
    let rules = rules();
    // Storage importing the fold, in each form an import can take.
    for source in [
        "use crate::incident::Incident;\n",
        "use crate::{types::Severity, incident};\n",
        "fn f() { let _ = crate::incident::fold(&[]); }\n",
    ] {
        let found = violations(&rules, "journal", "journal/x.rs", source);
        assert_eq!(found.len(), 1, "{source:?}: {found:?}");
        assert!(
            found[0].contains("may not import `crate::incident"),
            "{found:?}"
        );
    }
    // The fold may read record types, but not the rest of storage.
    assert!(
        violations(
            &rules,
            "incident",
            "f.rs",
            "use crate::journal::record::Record;"
        )
        .is_empty()
    );
    assert_eq!(
        violations(
            &rules,
            "incident",
            "f.rs",
            "use crate::journal::file::read;"
        )
        .len(),
        1
    );
    // The core does not know the command line; commands may use everything.
    assert_eq!(
        violations(&rules, "runbook", "r.rs", "use crate::cli::Severity;").len(),
        1
    );
    assert!(violations(&rules, "commands", "c.rs", "use crate::walk::Session;").is_empty());
    // Comments do not count.
    assert!(violations(&rules, "journal", "j.rs", "// see crate::incident::fold").is_empty());
}

/// The parts that know no command line: their messages say what is wrong, and the words that
/// name a command are added in `commands`.
const CORE: [&str; 4] = ["types", "runbook", "journal", "incident"];

/// The lines of a source, outside comments, that name a command as `breach SUBCOMMAND`
/// in backticks (the form every message and hint uses).
fn command_names(file: &str, source: &str) -> Vec<String> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| {
            line.match_indices("`breach ").any(|(at, m)| {
                line[at + m.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase())
            })
        })
        .map(|(n, line)| format!("{file}:{}: {}", n + 1, line.trim()))
        .collect()
}

#[test]
fn the_core_names_no_command() {
    let src = Path::new(ROOT).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in &files {
        let relative = path.strip_prefix(&src).expect("under src/");
        if !part_of(relative).is_some_and(|p| CORE.contains(&p.as_str())) {
            continue;
        }
        checked += 1;
        let source = std::fs::read_to_string(path).expect("read a source file");
        problems.extend(command_names(&relative.display().to_string(), &source));
    }
    assert!(checked > 20, "only {checked} files were checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_command_check_catches_a_command_and_spares_comments_and_the_name() {
    for source in [
        "format!(\"run `breach answer {}/{id} VALUE`\")\n",
        "    \"no such thing; `breach sync` needs one\",\n",
    ] {
        assert_eq!(command_names("x.rs", source).len(), 1, "{source:?}");
    }
    for source in [
        "/// `breach answer STEP/ID VALUE` records it.\n",
        "    // then `breach step STEP --done`\n",
        "\"a breach runbook starts with its format version\"\n",
        "\"this build of `breach` reads versions 1 and 2\"\n",
    ] {
        assert!(command_names("x.rs", source).is_empty(), "{source:?}");
    }
}
