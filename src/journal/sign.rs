//! SSH signatures of team journal records (`docs/incident-file-format.md`, sections 12.3a
//! and 12.3b): making one with the user's own `ssh-keygen -Y sign` (which reaches the
//! ssh-agent, passphrase prompts and hardware keys the way git's SSH signing does), checking
//! one in-process with the `ssh-key` crate, and reading an allowed-signers file in git's
//! format. It knows nothing of journals: it signs and checks bytes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;
use ssh_key::public::KeyData;
use ssh_key::{Algorithm, HashAlg, PublicKey, SshSig};

use crate::error::{BreachError, invalid};

/// The sshsig namespace of every record signature.
pub const NAMESPACE: &str = "breach";

/// The environment variable that names the signing key.
pub const KEY_ENV: &str = "BREACH_SIGNING_KEY";

/// The environment variable that names the program that signs (default `ssh-keygen`).
pub const PROGRAM_ENV: &str = "BREACH_SSH_PROGRAM";

/// The program that signs when none is configured.
pub const DEFAULT_PROGRAM: &str = "ssh-keygen";

const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
const END: &str = "-----END SSH SIGNATURE-----";

/// A device's signing key and the program that signs with it, as git's `user.signingKey`
/// and `gpg.ssh.program`: the key is a private key file, or a public key file whose private
/// half is in the ssh-agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub key: PathBuf,
    pub program: PathBuf,
}

impl Signer {
    /// Signs `message` in the `breach` namespace. Returns the `sig` value: the base64 of
    /// the sshsig blob, on one line. The signature is checked before it is returned, so a
    /// key `breach` cannot check (not ed25519) is refused here, before anything is written.
    pub fn sign(&self, message: &str) -> anyhow::Result<String> {
        let program = self.program.display().to_string();
        let mut child = Command::new(&self.program)
            .args(["-Y", "sign", "-n", NAMESPACE, "-f"])
            .arg(&self.key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    BreachError::MissingProgram(format!(
                        "cannot sign the record: `{program}` is not installed (it comes with OpenSSH: the `openssh-client` package on Debian and Ubuntu); nothing was recorded"
                    ))
                    .into()
                } else {
                    anyhow::Error::new(e).context(format!("cannot run `{program}` to sign"))
                }
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            // A program that exits without reading is reported through its status below.
            let _ = stdin.write_all(message.as_bytes());
        }
        let out = child
            .wait_with_output()
            .with_context(|| format!("cannot run `{program}` to sign"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let said: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "Signing data on standard input")
            .collect();
        if !out.status.success() {
            return Err(invalid(format!(
                "the signing key {} cannot sign: `{program} -Y sign` failed{}; nothing was recorded",
                self.key.display(),
                if said.is_empty() {
                    String::new()
                } else {
                    format!(": {}", said.join("; "))
                }
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let sig = unarmor(&text).ok_or_else(|| {
            invalid(format!(
                "`{program} -Y sign` with {} printed no SSH signature; nothing was recorded",
                self.key.display()
            ))
        })?;
        check(&sig, message.as_bytes()).map_err(|why| {
            invalid(format!(
                "the signing key {} made a signature breach cannot check ({why}); use an ed25519 key; nothing was recorded",
                self.key.display()
            ))
        })?;
        Ok(sig)
    }
}

/// The base64 between the armour lines of `ssh-keygen`'s output, joined into one line.
fn unarmor(text: &str) -> Option<String> {
    let start = text.find(BEGIN)? + BEGIN.len();
    let end = start + text[start..].find(END)?;
    let b64: String = text[start..end].split_whitespace().collect();
    (!b64.is_empty()).then_some(b64)
}

/// The armoured form of a `sig` value, as `ssh-keygen -Y verify -s` reads it.
pub fn armor(sig: &str) -> String {
    let mut out = format!("{BEGIN}\n");
    for chunk in sig.as_bytes().chunks(70) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// Whether a string may be a `sig` value: standard base64 characters only.
pub fn is_base64(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// A signature that verifies: the key that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Good {
    pub key: KeyData,
}

impl Good {
    /// The key's SHA-256 fingerprint, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        self.key.fingerprint(HashAlg::Sha256).to_string()
    }
}

/// Checks a `sig` value against the bytes it signs: well-formed, the `breach` namespace, an
/// ed25519 key, and a valid signature. Returns the key, or why the signature is bad.
pub fn check(sig: &str, message: &[u8]) -> Result<Good, String> {
    if !is_base64(sig) {
        return Err("the signature is not base64".into());
    }
    let parsed = SshSig::from_pem(armor(sig)).map_err(|e| format!("not an SSH signature: {e}"))?;
    if parsed.namespace() != NAMESPACE {
        return Err(format!(
            "signed for the namespace {:?}, not {NAMESPACE:?}",
            parsed.namespace()
        ));
    }
    let key = parsed.public_key().clone();
    if key.algorithm() != Algorithm::Ed25519 {
        return Err(format!(
            "signed with a {} key; breach checks ed25519 signatures only",
            key.algorithm()
        ));
    }
    PublicKey::from(key.clone())
        .verify(NAMESPACE, message, &parsed)
        .map_err(|_| "the signature does not match the record".to_string())?;
    Ok(Good { key })
}

/// One line of an allowed-signers file.
#[derive(Debug, Clone)]
struct Allowed {
    principals: Vec<String>,
    namespaces: Option<Vec<String>>,
    key: KeyData,
}

/// An allowed-signers file in git's format (`ssh-keygen(1)`, ALLOWED SIGNERS).
#[derive(Debug, Clone)]
pub struct AllowedSigners {
    pub path: PathBuf,
    lines: Vec<Allowed>,
}

impl AllowedSigners {
    /// Reads and parses the file.
    pub fn read(path: &Path) -> anyhow::Result<AllowedSigners> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                BreachError::NotFound(format!(
                    "the allowed-signers file {} does not exist",
                    path.display()
                ))
                .into()
            } else {
                anyhow::Error::new(e).context(format!("cannot read {}", path.display()))
            }
        })?;
        Self::parse(path, &text)
    }

    /// Parses the text of an allowed-signers file; `path` names it in messages.
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<AllowedSigners> {
        let mut lines = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |why: String| invalid(format!("{}:{}: {why}", path.display(), n + 1));
            lines.push(parse_line(line).map_err(at)?);
        }
        Ok(AllowedSigners {
            path: path.to_path_buf(),
            lines,
        })
    }

    /// The lines that let `key` sign in the `breach` namespace, in file order.
    fn lines_for(&self, key: &KeyData) -> Vec<&Allowed> {
        self.lines
            .iter()
            .filter(|a| &a.key == key)
            .filter(|a| {
                a.namespaces
                    .as_ref()
                    .is_none_or(|ns| ns.iter().any(|p| glob(p, NAMESPACE)))
            })
            .collect()
    }

    /// Every principal pattern under which `key` may sign in the `breach` namespace, in
    /// file order: who the key belongs to, when it signed as someone else.
    pub fn principals_of(&self, key: &KeyData) -> Vec<&str> {
        self.lines_for(key)
            .into_iter()
            .flat_map(|a| a.principals.iter().map(String::as_str))
            .collect()
    }

    /// The principal pattern under which `key` may sign as `operator` in the `breach`
    /// namespace, if any.
    pub fn allows(&self, operator: &str, key: &KeyData) -> Option<&str> {
        self.lines_for(key)
            .into_iter()
            .flat_map(|a| a.principals.iter())
            .find(|p| glob(p, operator))
            .map(String::as_str)
    }
}

/// Splits a line into fields at whitespace outside double quotes.
fn fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("a double quote is not closed".into());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// Splits at commas outside double quotes.
fn comma_list(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn is_key_type(s: &str) -> bool {
    s.starts_with("ssh-") || s.starts_with("ecdsa-") || s.starts_with("sk-")
}

fn parse_line(line: &str) -> Result<Allowed, String> {
    let f = fields(line)?;
    let Some(principals) = f.first() else {
        return Err("an empty line".into());
    };
    let principals: Vec<String> = principals.split(',').map(str::to_string).collect();
    if let Some(p) = principals
        .iter()
        .find(|p| p.is_empty() || p.starts_with('!'))
    {
        return Err(if p.is_empty() {
            "an empty principal".into()
        } else {
            format!("the negated principal {p:?} is not supported")
        });
    }
    let mut rest = &f[1..];
    let mut namespaces = None;
    if let Some(opts) = rest.first().filter(|o| !is_key_type(o)) {
        for opt in comma_list(opts) {
            let (name, value) = match opt.split_once('=') {
                Some((n, v)) => (n.to_ascii_lowercase(), Some(v)),
                None => (opt.to_ascii_lowercase(), None),
            };
            match (name.as_str(), value) {
                ("namespaces", Some(v)) => {
                    let v = v
                        .strip_prefix('"')
                        .and_then(|v| v.strip_suffix('"'))
                        .unwrap_or(v);
                    namespaces = Some(v.split(',').map(str::to_string).collect());
                }
                _ => {
                    return Err(format!(
                        "the option {opt:?} is not supported (breach reads `namespaces=` only; `cert-authority`, `valid-after` and `valid-before` are refused)"
                    ));
                }
            }
        }
        rest = &rest[1..];
    }
    let (Some(kind), Some(b64)) = (rest.first(), rest.get(1)) else {
        return Err("expected `PRINCIPALS [OPTIONS] KEYTYPE BASE64-KEY [COMMENT]`".into());
    };
    let key = PublicKey::from_openssh(&format!("{kind} {b64}"))
        .map_err(|e| format!("not a public key ({kind}): {e}"))?;
    Ok(Allowed {
        principals,
        namespaces,
        key: key.key_data().clone(),
    })
}

/// Whether `pattern` (with `*` for any run of characters and `?` for one) matches all of
/// `text`.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGxlGWyxNLsRh0GzVbrR5hrSVXf/veWS5DYehZDBqwmj";

    #[test]
    fn patterns_match_whole_names() {
        assert!(glob("alice", "alice"));
        assert!(!glob("alice", "alice2"));
        assert!(glob("*@example.com", "bob@example.com"));
        assert!(!glob("*@example.com", "bob@example.org"));
        assert!(glob("b?b", "bob"));
        assert!(glob("*", ""));
        assert!(!glob("a*c", "abd"));
    }

    #[test]
    fn an_allowed_signers_file_reads_principals_namespaces_and_keys() {
        let p = Path::new("allowed");
        let text = format!(
            "# the team\n\nalice,*@example.com {KEY} alice's laptop\nbob namespaces=\"git,breach\" {KEY}\ncarol namespaces=\"git\" {KEY}\n"
        );
        let a = AllowedSigners::parse(p, &text).unwrap();
        let key = PublicKey::from_openssh(KEY).unwrap().key_data().clone();
        assert_eq!(a.allows("alice", &key), Some("alice"));
        assert_eq!(a.allows("dana@example.com", &key), Some("*@example.com"));
        assert_eq!(a.allows("bob", &key), Some("bob"));
        assert_eq!(a.allows("carol", &key), None);
        assert_eq!(a.allows("mallory", &key), None);
        assert!(a.principals_of(&key).contains(&"alice"));
        assert!(!a.principals_of(&key).contains(&"mallory"));
    }

    #[test]
    fn unsupported_options_are_refused_naming_the_line() {
        let p = Path::new("allowed");
        for (line, want) in [
            (format!("ca cert-authority {KEY}"), "cert-authority"),
            (format!("x valid-after=20260101 {KEY}"), "valid-after"),
            (format!("!x {KEY}"), "negated"),
            ("alice ssh-ed25519".to_string(), "expected"),
            (
                "alice ssh-ed25519 AAAAnotakey".to_string(),
                "not a public key",
            ),
        ] {
            let e = AllowedSigners::parse(p, &format!("# c\n{line}\n"))
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("allowed:2: "), "{e}");
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn a_signature_that_is_not_one_is_bad() {
        assert!(check("", b"x").is_err());
        assert!(check("not base64!", b"x").is_err());
        assert!(
            check("AAAA", b"x")
                .unwrap_err()
                .contains("not an SSH signature")
        );
    }

    #[test]
    fn armour_wraps_at_70_columns_and_unarmours_back() {
        let sig = "A".repeat(150);
        let a = armor(&sig);
        assert_eq!(a.lines().nth(1).map(str::len), Some(70));
        assert_eq!(unarmor(&a), Some(sig));
        assert_eq!(unarmor("nothing"), None);
    }
}
