//! Stage 7: the verdict in a machine format, for tools (`--format json`). Text for people is the
//! command line's business.
use crate::verdict::Verdict;

/// The verdict as one JSON object (the contract in DESIGN.md).
pub fn json(verdict: &Verdict) -> String {
    serde_json::to_string_pretty(verdict).expect("a verdict serializes")
}
