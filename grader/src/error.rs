//! The grader's own failures: no Python, a broken `exercise.toml`, a build tool that would not
//! start. Never something a submission did (that is a verdict). Each becomes exit code 2.
use crate::build::BuildError;
use crate::catalog::CatalogError;
use crate::run::RunError;
use crate::toolchain::ToolchainError;

/// Why the grader could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The course's exercises could not be read.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// `.venv` could not be made ready.
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    /// maturin could not be run (a crate that does not compile is a verdict, not this).
    #[error(transparent)]
    Build(#[from] BuildError),
    /// pytest could not be started or watched.
    #[error(transparent)]
    Run(#[from] RunError),
}
