//! The largest runbook (4 MiB) and incident file (256 MiB) breach reads, enforced with a
//! clear error. Sparse files make the huge inputs instant.

use breach::journal::file::MAX_INCIDENT_BYTES;
use breach::runbook::load::MAX_RUNBOOK_BYTES;

use super::*;

fn sparse(path: &Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

#[test]
fn an_incident_file_over_256_mib_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let path = open_tiny(root, "Huge");
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(MAX_INCIDENT_BYTES + 1).unwrap();
    for args in [&["verify"][..], &["note", "x"], &["verify", "--repair"]] {
        let out = run(root, args);
        assert_fails(&out, 3);
        assert!(
            stderr(&out).contains("larger than the 268435456-byte limit for incident file"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        MAX_INCIDENT_BYTES + 1
    );
}

#[test]
fn a_runbook_over_4_mib_is_refused_and_one_at_the_limit_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    sparse(&root.join("big.yaml"), MAX_RUNBOOK_BYTES + 1);
    let out = run(
        root,
        &[
            "start",
            "--no-walk",
            "--title",
            "t",
            "--runbook",
            "big.yaml",
        ],
    );
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("larger than the 4194304-byte limit for runbook"),
        "{}",
        stderr(&out)
    );
    // Exactly at the limit: read, and rejected for what it says, not for its size.
    let mut text = tiny_text();
    text.push_str(&"#".repeat(MAX_RUNBOOK_BYTES as usize - text.len()));
    std::fs::write(root.join("edge.yaml"), &text).unwrap();
    let out = run(
        root,
        &[
            "start",
            "--no-walk",
            "--title",
            "t",
            "--runbook",
            "edge.yaml",
        ],
    );
    assert_ok(&out);
    assert_eq!(root.join("incidents").read_dir().unwrap().count(), 1);
}

fn tiny_text() -> String {
    std::fs::read_to_string(tiny_runbook()).unwrap()
}
