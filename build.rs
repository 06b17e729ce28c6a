//! Pre-builds the built-in runbooks: each `runbooks/*.yaml` shipped in the binary is parsed
//! here, at build time, into JSON (a form that deserializes into the runbook types many
//! times faster than YAML text), keyed by the SHA-256 of its text. An incident that pins a
//! built-in runbook then loads it from this form instead of parsing 27 KB of YAML on every
//! command (`src/runbook/builtin.rs`; a test checks that both forms are equal).

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The runbooks shipped in the binary (the same list as `BUILTINS` in
/// `src/runbook/builtin.rs`, which a test checks).
const BUILTINS: &[&str] = &["ecommerce-breach", "woocommerce"];

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut table = String::from(
        "/// `(SHA-256 of the runbook text, the runbook as JSON)` of every built-in runbook.\n\
         pub const PREBUILT: &[(&str, &str)] = &[\n",
    );
    for id in BUILTINS {
        let source = format!("runbooks/{id}.yaml");
        println!("cargo:rerun-if-changed={source}");
        let text = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("cannot read {source}: {e}"));
        let value: serde_yaml::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{source}: {e}"));
        let json = serde_json::to_string(&value).unwrap_or_else(|e| panic!("{source}: {e}"));
        let name = format!("{id}.json");
        std::fs::write(Path::new(&out).join(&name), json)
            .unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
        let digest = Sha256::digest(text.as_bytes());
        let hex = digest.iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
        let _ = writeln!(
            table,
            "    (\"{hex}\", include_str!(concat!(env!(\"OUT_DIR\"), \"/{name}\"))),"
        );
    }
    table.push_str("];\n");
    std::fs::write(Path::new(&out).join("prebuilt_runbooks.rs"), table)
        .expect("cannot write prebuilt_runbooks.rs");
    println!("cargo:rerun-if-changed=build.rs");
}
