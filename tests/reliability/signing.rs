//! Signed records of team incidents (docs/incident-file-format.md, sections 12.3a and
//! 12.3b), with keys made by `ssh-keygen`: one responder signing with a key file, one
//! through a private `ssh-agent`; what `verify`, `status` and the export report for known,
//! unknown, bad and missing signatures; `ssh-keygen -Y verify` accepting a record's signed
//! bytes as the spec defines them; and the errors around signing.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use breach::journal::format::{self, GENESIS};
use breach::journal::team::{self, Entry};
use breach::journal::{Note, Payload};

use super::team::{copy_journals, independent_team, open_team, run_as};
use super::*;

/// Makes an ed25519 key pair without a passphrase: `dir/NAME` and `dir/NAME.pub`.
fn keygen(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen is installed (openssh-client)");
    assert!(out.status.success(), "{}", stderr(&out));
    key
}

/// The public key line of a key pair (`ssh-ed25519 AAAA... comment`).
fn public(key: &Path) -> String {
    std::fs::read_to_string(key.with_extension("pub"))
        .unwrap()
        .trim()
        .to_string()
}

/// The SHA-256 fingerprint `ssh-keygen -l` prints for a key.
fn fingerprint(key: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(key.with_extension("pub"))
        .output()
        .unwrap();
    stdout(&out).split_whitespace().nth(1).unwrap().to_string()
}

/// A private ssh-agent on a socket in the test's directory, killed when dropped.
struct Agent {
    child: Child,
    socket: PathBuf,
}

impl Agent {
    fn start(dir: &Path) -> Agent {
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent is installed (openssh-client)");
        let started = Instant::now();
        while !socket.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "ssh-agent did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent { child, socket }
    }

    fn add(&self, key: &Path) {
        let out = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `breach` as `operator` on `device`, signing with `key` (with `env` added).
fn signed(
    root: &Path,
    operator: &str,
    device: &str,
    key: &Path,
    env: &[(&str, &std::ffi::OsStr)],
    args: &[&str],
) -> Output {
    let mut cmd = breach(root);
    cmd.env("BREACH_OPERATOR", operator)
        .env("BREACH_DEVICE", device)
        .env("BREACH_SIGNING_KEY", key)
        .env_remove("SSH_AUTH_SOCK")
        .args(args)
        .timeout(Duration::from_secs(60));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// `breach verify --json` with these extra arguments: the exit code and each journal's
/// signature report by writer.
fn verify_json(root: &Path, dir: &Path, extra: &[&str]) -> (i32, BTreeMap<String, Value>) {
    let out = breach(root)
        .args(["verify", "--json"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", stdout(&out), stderr(&out)));
    let by_writer = json["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["writer"].as_str().unwrap().to_string(), s.clone()))
        .collect();
    (out.status.code().unwrap(), by_writer)
}

use serde_json::Value;
use std::collections::BTreeMap;

/// The records of one journal, decoded.
fn entries(journal: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(journal).unwrap();
    format::chunks(&text)
        .into_iter()
        .map(|(line, c)| team::decode(c, line).unwrap())
        .collect()
}

/// Writes a journal from records, each with the given `sig` value (or none), with every
/// `prev` and `hash` recomputed: the journal's own chain verifies whatever the signatures
/// say.
fn rewrite(journal: &Path, records: Vec<(Entry, Option<String>)>) {
    let mut text = String::new();
    let mut prev = GENESIS.to_string();
    for (mut e, sig) in records {
        e.record.prev = prev.clone();
        let mut r = team::signed_bytes(&e).unwrap();
        if let Some(sig) = sig {
            r.push_str(&format!("sig: {sig}\n"));
        }
        let hash = format::sha256_hex(r.as_bytes());
        r.push_str(&format!("hash: {hash}\n"));
        text.push_str(&r);
        prev = hash;
    }
    std::fs::write(journal, text).unwrap();
}

/// Signs `message` with `key` in `namespace` with `ssh-keygen`; the base64 on one line.
fn ssh_sign(key: &Path, namespace: &str, message: &str) -> String {
    let mut child = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", namespace, "-f"])
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(message.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    stdout(&out)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect()
}

/// Two responders, Alice signing with a key file and Bob through an ssh-agent (his private
/// key is not on disk at all), a third who signs nothing: `verify` reports each journal as
/// known, unknown or unsigned depending on the allowed-signers file, `--require-signed`
/// fails unless all are known, `status` and the export state it, and `ssh-keygen -Y verify`
/// accepts a record's signed bytes cut out as the spec says.
#[test]
fn two_responders_sign_with_a_key_file_and_through_ssh_agent() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    let alice_key = keygen(&keys, "alice");
    let bob_key = keygen(&keys, "bob");
    let agent = Agent::start(tmp.path());
    agent.add(&bob_key);
    std::fs::remove_file(&bob_key).unwrap();
    let bob_pub = bob_key.with_extension("pub");
    let with_agent = [("SSH_AUTH_SOCK", agent.socket.as_os_str())];

    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    // Alice opens the incident, signing with her key file.
    let out = signed(
        &a,
        "alice",
        "alice-laptop",
        &alice_key,
        &[],
        &[
            "start",
            "--no-walk",
            "--team",
            "--json",
            "--title",
            "Signed night",
            "--runbook",
            tiny_runbook().to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dir_a = a.join(json["path"].as_str().unwrap());
    let id = dir_a.file_name().unwrap().to_owned();
    let dir_b = b.join("incidents").join(&id);
    assert_ok(&signed(
        &a,
        "alice",
        "alice-laptop",
        &alice_key,
        &[],
        &["note", "alice found the skimmer"],
    ));
    copy_journals(&dir_a, &dir_b);
    // Bob's public key alone cannot sign without the agent: a clear error, nothing written.
    let out = signed(&b, "bob", "bob-desk", &bob_pub, &[], &["note", "x"]);
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("cannot sign"), "{}", stderr(&out));
    assert!(
        !dir_b.join("bob-desk.yaml").exists()
            || std::fs::read(dir_b.join("bob-desk.yaml"))
                .unwrap()
                .is_empty()
    );
    // Through the agent he signs.
    for text in ["bob saw the logs", "bob rotated the keys"] {
        assert_ok(&signed(
            &b,
            "bob",
            "bob-desk",
            &bob_pub,
            &with_agent,
            &["note", text],
        ));
    }
    assert_ok(&run_as(
        &b,
        "carol",
        "carol-phone",
        &["note", "carol signs nothing"],
    ));
    copy_journals(&dir_b, &dir_a);
    for e in entries(&dir_a.join("bob-desk.yaml")) {
        assert!(e.sig.is_some(), "every record of bob's journal is signed");
    }
    assert!(entries(&dir_a.join("carol-phone.yaml"))[0].sig.is_none());

    // Without an allowed-signers file every key is unknown; nothing fails.
    let (code, s) = verify_json(&a, &dir_a, &[]);
    assert_eq!(code, 0);
    assert_eq!(s["alice-laptop"]["state"], "unknown");
    assert_eq!(
        s["alice-laptop"]["unknown_keys"][0],
        fingerprint(&alice_key).as_str()
    );
    assert_eq!(s["bob-desk"]["state"], "unknown");
    assert_eq!(s["carol-phone"]["state"], "unsigned");

    // With both keys allowed: both known, naming the principal.
    let allowed = tmp.path().join("allowed_signers");
    std::fs::write(
        &allowed,
        format!(
            "# the team\nalice {}\nbob namespaces=\"git,breach\" {}\n",
            public(&alice_key),
            public(&bob_key)
        ),
    )
    .unwrap();
    let allowed_arg = allowed.to_str().unwrap();
    let (code, s) = verify_json(&a, &dir_a, &["--allowed-signers", allowed_arg]);
    assert_eq!(code, 0);
    assert_eq!(s["alice-laptop"]["state"], "known");
    assert_eq!(s["alice-laptop"]["principals"][0], "alice");
    assert_eq!(s["alice-laptop"]["signed"], 2);
    assert_eq!(s["bob-desk"]["state"], "known");
    assert_eq!(s["bob-desk"]["principals"][0], "bob");
    assert_eq!(s["carol-phone"]["state"], "unsigned");
    let out = breach(&a)
        .args(["verify", "--allowed-signers", allowed_arg])
        .arg(&dir_a)
        .output()
        .unwrap();
    assert_ok(&out);
    let said = stdout(&out);
    assert!(
        said.contains("alice-laptop.yaml: signed by a known key (alice)"),
        "{said}"
    );
    assert!(said.contains("carol-phone.yaml: unsigned"), "{said}");
    // Carol's unsigned journal fails only when signatures are required.
    let (code, _) = verify_json(
        &a,
        &dir_a,
        &["--allowed-signers", allowed_arg, "--require-signed"],
    );
    assert_eq!(code, 5);

    // An allowed-signers file lacking Bob's key: his journal is signed by an unknown key.
    let alice_only = tmp.path().join("alice_only");
    std::fs::write(&alice_only, format!("alice {}\n", public(&alice_key))).unwrap();
    let (code, s) = verify_json(
        &a,
        &dir_a,
        &["--allowed-signers", alice_only.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    assert_eq!(s["alice-laptop"]["state"], "known");
    assert_eq!(s["bob-desk"]["state"], "unknown");
    assert_eq!(
        s["bob-desk"]["unknown_keys"][0],
        fingerprint(&bob_key).as_str()
    );
    // Bob's key allowed for another name is not his: still unknown for operator bob.
    let other_name = tmp.path().join("other_name");
    std::fs::write(&other_name, format!("robert {}\n", public(&bob_key))).unwrap();
    let (_, s) = verify_json(
        &a,
        &dir_a,
        &["--allowed-signers", other_name.to_str().unwrap()],
    );
    assert_eq!(s["bob-desk"]["state"], "unknown");
    // ... and it is named as robert's key that signed as bob.
    assert_eq!(
        s["bob-desk"]["misattributed"],
        serde_json::json!([{
            "key": fingerprint(&bob_key).as_str(),
            "operator": "bob",
            "allowed_for": ["robert"],
        }])
    );
    // A key the file does not list at all is unknown and misattributed to nobody.
    let (_, s) = verify_json(
        &a,
        &dir_a,
        &["--allowed-signers", alice_only.to_str().unwrap()],
    );
    assert_eq!(s["bob-desk"]["misattributed"], serde_json::json!([]));

    // The independent verifier, from the spec and ssh-keygen, agrees.
    if let Some(py) = super::independent::python() {
        let (code, said) = independent_team(py, &dir_a, &["--allowed-signers", allowed_arg]);
        assert_eq!(code, 0, "{said}");
        assert!(
            said.ends_with("\nsignatures: alice-laptop=known bob-desk=known carol-phone=unsigned"),
            "{said}"
        );
        let (code, said) = independent_team(
            py,
            &dir_a,
            &["--allowed-signers", alice_only.to_str().unwrap()],
        );
        assert_eq!(code, 0, "{said}");
        assert!(
            said.ends_with(
                "\nsignatures: alice-laptop=known bob-desk=unknown carol-phone=unsigned"
            ),
            "{said}"
        );
        let (code, said) = independent_team(py, &dir_a, &[]);
        assert_eq!(code, 0, "{said}");
        assert!(
            said.ends_with("bob-desk=unknown carol-phone=unsigned"),
            "{said}"
        );
        let (code, _) = independent_team(
            py,
            &dir_a,
            &["--allowed-signers", allowed_arg, "--require-signed"],
        );
        assert_eq!(code, 1);
    }

    // The configuration's allowed-signers file is what `status` and the export use.
    std::fs::write(
        a.join(".breach.toml"),
        format!("allowed_signers = {allowed_arg:?}\n"),
    )
    .unwrap();
    let out = run(&a, &["status"]);
    assert_ok(&out);
    let said = stdout(&out);
    assert!(said.contains("Signatures:"), "{said}");
    assert!(
        said.contains("bob-desk: signed by a known key (bob)"),
        "{said}"
    );
    let out = run(&a, &["export", "--format", "markdown"]);
    assert_ok(&out);
    let md = stdout(&out);
    assert!(
        md.contains("- alice-laptop: signed by a known key (alice)"),
        "{md}"
    );
    assert!(md.contains("- carol-phone: unsigned"), "{md}");
    let out = run(&a, &["export", "--format", "json"]);
    assert_ok(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let states: Vec<(&str, &str)> = report["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["writer"].as_str().unwrap(), s["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("alice-laptop", "known"),
            ("bob-desk", "known"),
            ("carol-phone", "unsigned")
        ]
    );
    let out = run(&a, &["export", "--format", "html"]);
    assert_ok(&out);
    assert!(stdout(&out).contains("bob-desk: signed by a known key (bob)"));

    // OpenSSH alone accepts a record's signature over the bytes the spec names: from the
    // `---` line up to the line before `sig:`.
    let text = std::fs::read_to_string(dir_a.join("bob-desk.yaml")).unwrap();
    let (_, first) = format::chunks(&text)[0];
    let sig_at = first.find("\nsig: ").unwrap() + 1;
    let signed_bytes = &first[..sig_at];
    let sig_line = first[sig_at..].lines().next().unwrap();
    let sig = sig_line.strip_prefix("sig: ").unwrap();
    let mut armoured = String::from("-----BEGIN SSH SIGNATURE-----\n");
    for chunk in sig.as_bytes().chunks(70) {
        armoured.push_str(std::str::from_utf8(chunk).unwrap());
        armoured.push('\n');
    }
    armoured.push_str("-----END SSH SIGNATURE-----\n");
    let sig_file = tmp.path().join("record.sig");
    std::fs::write(&sig_file, armoured).unwrap();
    let mut child = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-n", "breach", "-I", "bob", "-f"])
        .arg(&allowed)
        .arg("-s")
        .arg(&sig_file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(signed_bytes.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{} {}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("Good \"breach\" signature for bob"));
    drop(agent);
}

/// A signed record tampered with (its chain recomputed, so only the signature catches it),
/// a signature moved from another record, one made for another namespace, and a stripped
/// signature: each is caught. A valid signature by a wrong key over the same bytes is
/// reported as an unknown key and fails `--require-signed`.
#[test]
fn a_tampered_or_swapped_signature_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let alice = keygen(root, "alice");
    let mallory = keygen(root, "mallory");
    let allowed = root.join("allowed_signers");
    std::fs::write(
        &allowed,
        format!("alice {}\nmallory {}\n", public(&alice), public(&mallory)),
    )
    .unwrap();
    let allowed_arg = allowed.to_str().unwrap();
    let out = signed(
        root,
        "alice",
        "alice-laptop",
        &alice,
        &[],
        &[
            "start",
            "--no-walk",
            "--team",
            "--json",
            "--title",
            "Tampered",
            "--runbook",
            tiny_runbook().to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dir = root.join(json["path"].as_str().unwrap());
    for text in ["one", "two"] {
        assert_ok(&signed(
            root,
            "alice",
            "alice-laptop",
            &alice,
            &[],
            &["note", text],
        ));
    }
    let journal = dir.join("alice-laptop.yaml");
    let original = std::fs::read(&journal).unwrap();
    let good = entries(&journal);
    let sig_of = |e: &Entry| e.sig.as_ref().unwrap().sshsig.clone();
    assert_eq!(
        verify_json(root, &dir, &["--allowed-signers", allowed_arg]).1["alice-laptop"]["state"],
        "known"
    );

    let check_bad = |what: &str, record: u64| {
        let (code, s) = verify_json(root, &dir, &["--allowed-signers", allowed_arg]);
        assert_eq!(code, 5, "{what}");
        assert_eq!(s["alice-laptop"]["state"], "bad", "{what}");
        assert_eq!(s["alice-laptop"]["bad_record"], record, "{what}");
        let out = breach(root)
            .args(["verify", "--allowed-signers", allowed_arg])
            .arg(&dir)
            .output()
            .unwrap();
        assert_fails(&out, 5);
        assert!(
            stderr(&out).contains(&format!("alice-laptop.yaml: badly signed: record {record}")),
            "{what}: {}",
            stderr(&out)
        );
        if let Some(py) = super::independent::python() {
            let (code, said) = independent_team(py, &dir, &["--allowed-signers", allowed_arg]);
            assert_eq!(code, 1, "{what}: {said}");
            assert!(
                said.starts_with(&format!("bad: alice-laptop.yaml: record {record} ")),
                "{what}: {said}"
            );
            assert!(said.ends_with("badly signed"), "{what}: {said}");
        }
    };

    // The text of note 1 changed, its old signature kept, every hash recomputed.
    let mut records: Vec<(Entry, Option<String>)> =
        good.iter().map(|e| (e.clone(), Some(sig_of(e)))).collect();
    records[1].0.record.payload = Payload::Note(Note {
        text: "nothing was found".into(),
        step: None,
    });
    rewrite(&journal, records);
    // The chains hold: only the signature tells.
    let c = breach::ledger::team::check(&dir, None).unwrap();
    assert!(c.ok(), "{:?}", c.problems);
    check_bad("tampered text", 1);

    // Record 2's signature moved onto record 1.
    let mut records: Vec<(Entry, Option<String>)> =
        good.iter().map(|e| (e.clone(), Some(sig_of(e)))).collect();
    records[1].1 = Some(sig_of(&good[2]));
    rewrite(&journal, records);
    check_bad("signature of another record", 1);

    // Alice's key, but the signature made for git's namespace.
    let mut records: Vec<(Entry, Option<String>)> =
        good.iter().map(|e| (e.clone(), Some(sig_of(e)))).collect();
    records[2].1 = Some(ssh_sign(
        &alice,
        "git",
        &team::signed_bytes(&good[2]).unwrap(),
    ));
    rewrite(&journal, records);
    check_bad("another namespace", 2);

    // Mallory signs exactly the bytes of Alice's record 2: a valid signature, but not by a
    // key allowed for alice.
    let mut records: Vec<(Entry, Option<String>)> =
        good.iter().map(|e| (e.clone(), Some(sig_of(e)))).collect();
    records[2].1 = Some(ssh_sign(
        &mallory,
        "breach",
        &team::signed_bytes(&good[2]).unwrap(),
    ));
    rewrite(&journal, records);
    let (code, s) = verify_json(root, &dir, &["--allowed-signers", allowed_arg]);
    assert_eq!(code, 0);
    assert_eq!(s["alice-laptop"]["state"], "unknown");
    assert_eq!(
        s["alice-laptop"]["unknown_keys"][0],
        fingerprint(&mallory).as_str()
    );
    // Mallory's key is in the file, for mallory: the record signed as alice is named as
    // signed by mallory's key, in JSON and in the text.
    assert_eq!(s["alice-laptop"]["misattributed"][0]["operator"], "alice");
    assert_eq!(
        s["alice-laptop"]["misattributed"][0]["allowed_for"],
        serde_json::json!(["mallory"])
    );
    let text = breach(root)
        .args(["verify", "--allowed-signers", allowed_arg])
        .arg(&dir)
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&text.stdout).into_owned() + &String::from_utf8_lossy(&text.stderr);
    assert!(
        said.contains(&format!(
            "{} is the key of mallory, but signed as alice",
            fingerprint(&mallory)
        )),
        "{said}"
    );
    if let Some(py) = super::independent::python() {
        let (code, said) = independent_team(py, &dir, &["--allowed-signers", allowed_arg]);
        assert_eq!(code, 0, "{said}");
        assert!(
            said.ends_with("\nsignatures: alice-laptop=unknown"),
            "{said}"
        );
    }
    let (code, _) = verify_json(
        root,
        &dir,
        &["--allowed-signers", allowed_arg, "--require-signed"],
    );
    assert_eq!(code, 5);

    // A signature stripped and the hashes recomputed: the next record's signature covers
    // its `prev`, the hash of the stripped record, and no longer verifies.
    let mut records: Vec<(Entry, Option<String>)> =
        good.iter().map(|e| (e.clone(), Some(sig_of(e)))).collect();
    records[1].1 = None;
    rewrite(&journal, records);
    check_bad("a signature stripped before a signed record", 2);
    // The last signature stripped: a partly signed journal, which `--require-signed` fails.
    let mut records: Vec<(Entry, Option<String>)> =
        good.iter().map(|e| (e.clone(), Some(sig_of(e)))).collect();
    records[2].1 = None;
    rewrite(&journal, records);
    let (code, s) = verify_json(root, &dir, &["--allowed-signers", allowed_arg]);
    assert_eq!(code, 0);
    assert_eq!(s["alice-laptop"]["state"], "partly");
    assert_eq!(s["alice-laptop"]["first_unsigned"], 2);
    if let Some(py) = super::independent::python() {
        let (code, said) = independent_team(py, &dir, &["--allowed-signers", allowed_arg]);
        assert_eq!(code, 0, "{said}");
        assert!(
            said.ends_with("\nsignatures: alice-laptop=partly"),
            "{said}"
        );
    }
    let (code, _) = verify_json(
        root,
        &dir,
        &["--allowed-signers", allowed_arg, "--require-signed"],
    );
    assert_eq!(code, 5);
    // Stripped without recomputing the hash: the chain breaks, as for any edit.
    let text = String::from_utf8(original.clone()).unwrap();
    let (_, second) = format::chunks(&text)[1];
    let sig_line = second
        .lines()
        .find(|l| l.starts_with("sig: "))
        .unwrap()
        .to_string();
    std::fs::write(&journal, text.replacen(&format!("{sig_line}\n"), "", 1)).unwrap();
    assert_fails(&run(root, &["verify"]), 5);

    std::fs::write(&journal, &original).unwrap();
    assert_ok(&run(
        root,
        &[
            "verify",
            "--allowed-signers",
            allowed_arg,
            "--require-signed",
        ],
    ));
}

/// The errors around signing: a missing signing program (exit 8) and a key file that does
/// not exist (exit 3) write nothing; a format 1 file with a key configured records unsigned
/// and says so; an allowed-signers line breach does not support is refused naming the
/// line; git's `gpg.ssh.allowedSignersFile` is the fallback.
#[test]
fn signing_errors_format_1_and_where_allowed_signers_come_from() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let alice = keygen(root, "alice");
    let dir = open_team(root, "alice-laptop", "Errors");
    let journal = dir.join("alice-laptop.yaml");
    let before = std::fs::read(&journal).unwrap();
    // Nobody signs yet: `status` reads as before, `verify` says the journal is unsigned.
    let out = run(root, &["status"]);
    assert_ok(&out);
    assert!(!stdout(&out).contains("Signatures:"), "{}", stdout(&out));
    let out = run(root, &["verify"]);
    assert_ok(&out);
    assert!(
        stdout(&out).contains("alice-laptop.yaml: unsigned"),
        "{}",
        stdout(&out)
    );

    let missing = std::ffi::OsString::from("/nonexistent/ssh-keygen");
    let out = signed(
        root,
        "alice",
        "alice-laptop",
        &alice,
        &[("BREACH_SSH_PROGRAM", missing.as_os_str())],
        &["note", "x"],
    );
    assert_fails(&out, 8);
    assert!(stderr(&out).contains("not installed"), "{}", stderr(&out));
    let out = signed(
        root,
        "alice",
        "alice-laptop",
        &root.join("no-such-key"),
        &[],
        &["note", "x"],
    );
    assert_fails(&out, 3);
    assert!(stderr(&out).contains("cannot sign"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        before,
        "nothing was written"
    );
    // A team incident opened with a key that cannot sign leaves nothing behind.
    let out = signed(
        root,
        "alice",
        "alice-laptop",
        &root.join("no-such-key"),
        &[],
        &["start", "--no-walk", "--team", "--title", "Never opened"],
    );
    assert_fails(&out, 3);
    let incidents: Vec<_> = std::fs::read_dir(root.join("incidents"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(incidents.len(), 1, "{incidents:?}");

    // Format 1 cannot hold signatures: the record is written unsigned, with a warning.
    let file = open_tiny(root, "Single file");
    let out = signed(
        root,
        "alice",
        "alice-laptop",
        &alice,
        &[],
        &["note", "-i", file.to_str().unwrap(), "unsigned"],
    );
    assert_ok(&out);
    assert!(
        stderr(&out).contains("cannot hold signatures"),
        "{}",
        stderr(&out)
    );
    assert!(!std::fs::read_to_string(&file).unwrap().contains("sig:"));
    let out = run(
        root,
        &["verify", "--require-signed", file.to_str().unwrap()],
    );
    assert_fails(&out, 5);

    // A signed record, then where the allowed-signers file comes from.
    assert_ok(&signed(
        root,
        "alice",
        "alice-laptop",
        &alice,
        &[],
        &["note", "-i", dir.to_str().unwrap(), "signed"],
    ));
    // Records written together (a directory of evidence) are each signed.
    let files = root.join("files");
    std::fs::create_dir(&files).unwrap();
    std::fs::write(files.join("a.txt"), "a").unwrap();
    std::fs::write(files.join("b.txt"), "b").unwrap();
    assert_ok(&signed(
        root,
        "alice",
        "alice-laptop",
        &alice,
        &[],
        &[
            "evidence",
            "add",
            "-i",
            dir.to_str().unwrap(),
            files.to_str().unwrap(),
        ],
    ));
    let written = entries(&journal);
    assert_eq!(written.len(), 4);
    assert!(written[1..].iter().all(|e| e.sig.is_some()));
    let bad = root.join("bad_signers");
    std::fs::write(
        &bad,
        format!(
            "# ok\nalice {}\nca cert-authority {}\n",
            public(&alice),
            public(&alice)
        ),
    )
    .unwrap();
    let out = run(
        root,
        &[
            "verify",
            "--allowed-signers",
            bad.to_str().unwrap(),
            dir.to_str().unwrap(),
        ],
    );
    assert_fails(&out, 3);
    assert!(
        stderr(&out).contains("bad_signers:3: the option \"cert-authority\" is not supported"),
        "{}",
        stderr(&out)
    );
    let out = run(
        root,
        &[
            "verify",
            "--allowed-signers",
            "/nonexistent/allowed",
            dir.to_str().unwrap(),
        ],
    );
    assert_fails(&out, 4);

    // git's gpg.ssh.allowedSignersFile, relative to the top of the work tree.
    std::fs::write(
        root.join("team_signers"),
        format!("alice {}\n", public(&alice)),
    )
    .unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(root)
            .env("HOME", root)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    git(&["init", "-q"]);
    git(&["config", "gpg.ssh.allowedSignersFile", "team_signers"]);
    let out = breach(root)
        .env("HOME", root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["verify", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_ok(&out);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["signatures"][0]["state"], "partly");
    assert_eq!(json["signatures"][0]["principals"][0], "alice");
    assert!(
        json["allowed_signers"]
            .as_str()
            .unwrap()
            .ends_with("team_signers")
    );
}
