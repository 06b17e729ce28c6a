//! The one bound on YAML nesting. yaml_serde stops at 128 levels, but its scanner's time grows
//! with the square of how deeply flow collections (`[`, `{`) are nested, so a few megabytes of
//! `[` would keep it busy for hours before that limit applies. Every text that reaches it, a
//! runbook or an incident record, is first walked by a linear event-level parse that refuses
//! collections nested deeper than [`MAX_NESTING`]. Brackets inside text (a note full of `[`) are
//! text, not nesting, and do not count.

use saphyr_parser::{Event, Parser};

/// The deepest nesting of collections accepted, in runbooks and incident records alike. A
/// runbook nests about a dozen levels deep; a record, four.
pub const MAX_NESTING: usize = 100;

/// Why a text is refused: nesting deeper than [`MAX_NESTING`], at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} column {}: nested too deeply (more than {MAX_NESTING} levels)",
            self.line, self.column
        )
    }
}

/// Whether a collection starting at depth `depth` (0 for the top level) goes past the limit.
pub fn too_deep(depth: usize) -> bool {
    depth >= MAX_NESTING
}

/// Checks the nesting of every document in `text`, in time linear in its length. Text that is
/// not well-formed YAML passes here: the YAML reader that follows says what is wrong with it.
pub fn check(text: &str) -> Result<(), TooDeep> {
    let mut depth = 0usize;
    for result in Parser::new_from_str(text) {
        let (event, span) = match result {
            Ok(ok) => ok,
            // The event parser's own limit (it looks ahead through nested flow collections)
            // is nesting too deep as well.
            Err(e) if e.info().contains("recursion limit") => {
                return Err(TooDeep {
                    line: e.marker().line().max(1),
                    column: e.marker().col() + 1,
                });
            }
            Err(_) => return Ok(()),
        };
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if too_deep(depth) {
                    return Err(TooDeep {
                        line: span.start.line(),
                        column: span.start.col() + 1,
                    });
                }
                depth += 1;
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(levels: usize) -> String {
        format!("a: {}{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn the_limit_is_counted_in_collections_not_in_brackets_of_text() {
        // The top-level mapping is one level.
        assert!(check(&flow(MAX_NESTING - 1)).is_ok());
        let err = check(&flow(MAX_NESTING)).unwrap_err();
        assert_eq!((err.line, err.column), (1, 4 + MAX_NESTING - 1));
        assert!(err.to_string().contains("nested too deeply"), "{err}");
        // Brackets in a quoted or plain scalar are text.
        assert!(check(&format!("a: \"{}\"\n", "[".repeat(5000))).is_ok());
        assert!(check(&format!("a: '{}'\n", "{".repeat(5000))).is_ok());
    }

    #[test]
    fn block_nesting_counts_too_and_a_megabyte_is_refused_quickly() {
        let block = format!("a:\n{}", "- ".repeat(MAX_NESTING + 5));
        assert!(check(&block).is_err());
        let start = std::time::Instant::now();
        assert!(check(&"[".repeat(4 * 1024 * 1024)).is_err());
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
