//! Post-mortem reports: Markdown, HTML and JSON.
