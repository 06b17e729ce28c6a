//! Arbitrary bytes through the incident file reader: splitting into records, decoding and
//! hash-checking each, verifying the chain and folding the verified records. None of it may
//! panic, and the verified prefix must itself verify as intact.
#![no_main]

use std::path::Path;

use breach::journal::{file, format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (line, chunk) in format::chunks(text) {
        let _ = format::decode(chunk, line);
    }
    let scan = file::scan_text(Path::new("fuzz.yaml"), text);
    let _ = breach::ledger::fold(&scan);
    let prefix = &text[..scan.good_len];
    let again = file::scan_text(Path::new("fuzz.yaml"), prefix);
    assert_eq!(again.status, file::ChainStatus::Intact);
    assert_eq!(again.records.len(), scan.records.len());
});
