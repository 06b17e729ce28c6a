//! The incident file: an append-only, hash-chained YAML journal. [`record`] holds the record
//! types, [`format`] the byte-level encoding and hashing, [`file`] reading, verifying,
//! appending and repairing, and [`store`] the incident directory, and
//! [`team`] the journals of a version 2 incident (one per writer, in a directory), and [`sign`]
//! their SSH signatures. The format is specified
//! in `docs/incident-file-format.md`.

pub mod file;
pub mod format;
pub mod lock;
mod quick_parse;
pub mod record;
pub mod sign;
pub mod snapshot;
pub mod store;
pub mod sync;
pub mod team;
pub mod yaml11;

pub use record::{
    ActionAdded, ActionDone, Answer, Check, Closed, EvidenceEntry, Note, NoticeSent, Opened,
    Payload, PinnedRunbook, Record, StepChange, StepOutcome,
};
