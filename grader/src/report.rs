//! Stage 6: verdicts in the formats other tools read. Terminal text is the CLI's business, not this one.
use crate::verdict::Verdict;

/// The verdict as one pretty-printed JSON object (`--format json`).
pub fn json(verdict: &Verdict) -> String {
    serde_json::to_string_pretty(verdict).expect("a verdict serializes")
}
