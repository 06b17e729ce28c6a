//! Arbitrary bytes through the runbook parser and validator: it must return a runbook or a
//! list of problems, never panic, and a runbook it accepts must survive being pinned into
//! an incident (parsed again from the same text).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(runbook) = breach::runbook::parse_text(text, "fuzz") {
        let again = breach::runbook::parse_text(text, "fuzz").map(|r| r.id);
        assert_eq!(again.ok(), Some(runbook.id));
    }
});
