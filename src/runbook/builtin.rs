//! The runbooks shipped inside the binary, so `breach` works with no files on disk. The same
//! files live in `runbooks/` for reading and copying.

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

/// The text of the built-in runbook with this id.
pub fn get(id: &str) -> Option<&'static str> {
    BUILTINS
        .iter()
        .find(|(name, _)| *name == id)
        .map(|(_, text)| *text)
}
