//! Keeps the YAML parser's work bounded. The parser's time grows with the square of how
//! deeply flow collections (`[`, `{`) are nested, so a few megabytes of `[` would keep it
//! busy for hours before its own recursion limit applies. Runbooks and incident records are
//! checked here first: an upper bound of the nesting depth (every `[`/`{` counted, quoted
//! or not) must stay under [`MAX_NESTING`], far above anything a real file needs.

/// The deepest nesting of `[`/`{` accepted.
pub const MAX_NESTING: usize = 1000;

/// An upper bound of the flow-collection nesting depth of YAML text.
pub fn nesting_bound(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// An error message if the text is nested too deeply to parse.
pub fn check(text: &str) -> Result<(), String> {
    let depth = nesting_bound(text);
    if depth > MAX_NESTING {
        return Err(format!(
            "nested too deeply: up to {depth} levels of `[` or `{{`, more than the {MAX_NESTING} accepted"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_unclosed_brackets() {
        assert_eq!(nesting_bound("a: [1, {b: [2]}]\nc: []"), 3);
        assert_eq!(nesting_bound("]]]["), 1);
        assert!(check(&"[".repeat(MAX_NESTING)).is_ok());
        assert!(check(&"[".repeat(MAX_NESTING + 1)).is_err());
    }
}
