//! The runbooks shipped inside the binary, so `breach` works with no files on disk. The same
//! files live in `runbooks/` for reading and copying.
//!
//! Every command that reads an incident loads the runbook pinned in it. For a built-in
//! runbook that is a pre-built form made at build time (`build.rs`): the runbook as JSON,
//! keyed by the SHA-256 of its YAML text, which deserializes many times faster than the
//! YAML. A pinned text whose SHA-256 matches a built-in's uses it; any other text is parsed
//! and validated as YAML.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::model::Runbook;

/// The default runbook's id.
pub const DEFAULT: &str = "ecommerce-breach";

/// `(id, YAML text)` of every built-in runbook, the default first.
pub const BUILTINS: &[(&str, &str)] = &[
    (
        "ecommerce-breach",
        include_str!("../../runbooks/ecommerce-breach.yaml"),
    ),
    (
        "woocommerce",
        include_str!("../../runbooks/woocommerce.yaml"),
    ),
];

// `PREBUILT`: `(SHA-256 of the text, the runbook as JSON)` for each of `BUILTINS`.
include!(concat!(env!("OUT_DIR"), "/prebuilt_runbooks.rs"));

/// The text of the built-in runbook with this id.
pub fn get(id: &str) -> Option<&'static str> {
    BUILTINS
        .iter()
        .find(|(name, _)| *name == id)
        .map(|(_, text)| *text)
}

/// The built-in runbook whose text is exactly `text`, from its pre-built form; `None` for
/// any other text.
pub fn prebuilt(text: &str) -> Option<Runbook> {
    let digest = Sha256::digest(text.as_bytes());
    let hex = digest.iter().fold(String::with_capacity(64), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    });
    let (_, json) = PREBUILT.iter().find(|(sha256, _)| *sha256 == hex)?;
    serde_json::from_str(json).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prebuilt_form_of_every_built_in_equals_parsing_its_text() {
        assert_eq!(
            PREBUILT.len(),
            BUILTINS.len(),
            "build.rs lists every built-in"
        );
        for (id, text) in BUILTINS {
            let parsed: Runbook = serde_yaml::from_str(text).unwrap();
            let validated = super::super::validate::validate_text(text, id).unwrap();
            let prebuilt = prebuilt(text).unwrap_or_else(|| panic!("{id} has no pre-built form"));
            assert_eq!(prebuilt, parsed, "{id}");
            assert_eq!(prebuilt, validated, "{id}");
        }
    }

    #[test]
    fn any_other_text_has_no_prebuilt_form() {
        let (_, text) = BUILTINS[0];
        assert!(prebuilt(&format!("{text}\n")).is_none());
        assert!(prebuilt(&text.replacen("id: contain", "id: assess", 1)).is_none());
        assert!(prebuilt("").is_none());
    }
}
