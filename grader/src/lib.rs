//! The course grader: one module per stage of the pipeline, data flowing one way.
//!
//! ```text
//! catalog    exercises/*/exercise.toml        → Exercise
//! toolchain  .venv with pinned maturin/pytest → Toolchain
//! build      maturin, one folder per variant  → BuildOutcome
//! run        pytest + lessongrader plugin     → RunOutcome (records from a private file)
//! checks     records → tests / leaks / perf   → Verdict      (every status decision lives here)
//! render     Verdict → terminal text | JSON
//! ```
//! `pipeline` wires the stages together; `progress` remembers verdicts for the learner; `wire`
//! is the typed model of the plugin's records (`lessongrader/wire/records.schema.json`).
pub mod build;
pub mod catalog;
pub mod checks;
pub mod pipeline;
pub mod progress;
pub mod render;
pub mod run;
pub mod toolchain;
pub mod verdict;
pub mod wire;
pub mod workspace;

pub use build::Variant;
pub use pipeline::{Grader, GraderError, Report};
pub use run::RunOptions;
pub use verdict::{Status, Verdict};
