//! The course grader: one module per stage of the pipeline, data flowing one way, and one engine
//! that drives the stages for every caller. The library never prints: callers watch the engine's
//! [`Event`]s and show them.
//!
//! ```text
//! catalog    exercises/*/exercise.toml        → Exercise
//! toolchain  .venv with pinned maturin/pytest → Toolchain
//! build      maturin, one folder per variant  → BuildOutcome
//! run        pytest + lessongrader plugin     → RunOutcome (wire records, read as they arrive)
//! checks     records → tests / leaks / speed  → Verdict      (every status decision lives here)
//! report     Verdict → JSON for other tools
//! ```
//! Beside the stages: `engine` (plans jobs, builds all before running any, streams events),
//! `wire` (the plugin's records), `verdict` (the public result), `progress` (the learner's
//! progress file), `workspace` (where things live) and `error`. For a class: `roster` (who
//! submitted what, what is taken from it, the slot it is graded in, points, cache keys), `intake`
//! (unpacking archives safely), `gradebook` (CSV, JSON, JUnit and the result cache), `shards` (a
//! roster split across machines and merged back), `gradescope` (one student's results.json),
//! `sandbox` (untrusted builds and test runs) and `sealed` (what counts toward a grade, decided by
//! a trusted process that never loads the submission).
#![deny(missing_docs)]

mod build;
mod catalog;
mod checks;
mod engine;
mod error;
pub mod gradebook;
pub mod gradescope;
mod intake;
pub mod progress;
mod report;
pub mod roster;
mod run;
pub mod sandbox;
pub mod sealed;
pub mod shards;
mod toolchain;
pub mod verdict;
mod wire;
mod workspace;

pub use build::{CompilerError, Variant};
pub use catalog::{Catalog, CatalogError, Exercise, Points, UnknownExercise};
pub use engine::{Engine, Event, Job, Observer, Outcome, Quiet, Report, Settings, interrupt};
pub use error::Error;
pub use report::json;
pub use run::{CheckPlan, Flow, OffReason, Plan, Scratch};
pub use sandbox::{
    InForce, Limits, MemoryLimit, Protection, Sandbox, SandboxError, SandboxMode, SandboxedChild,
    SandboxedOutput, Sandboxes, Support, probe,
};
pub use toolchain::SetupStep;
pub use verdict::{CheckName, CheckStatus, Status, Verdict};
pub use workspace::Workspace;
