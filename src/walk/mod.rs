//! The interactive walk through a runbook's steps.
