//! The incident file: an append-only, hash-chained YAML journal. [`record`] holds the record
//! types; the byte-level format is specified in `docs/incident-file-format.md`.

pub mod record;

pub use record::{
    Answer, Check, Closed, EvidenceEntry, NoticeSent, Opened, Payload, PinnedRunbook, Record,
    StepChange, StepOutcome,
};
