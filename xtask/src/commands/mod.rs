//! One module per command, each with a `run`.
pub mod check;
pub mod grade_all;
pub mod hint;
pub mod list;
pub mod reset;
pub mod solution;
pub mod status;
pub mod test;
pub mod verify;
pub mod watch;

use grader::catalog::Catalog;
use grader::workspace::Workspace;

/// The catalog without touching Python (for commands that do not build anything).
pub fn catalog() -> anyhow::Result<(Workspace, Catalog)> {
    let workspace = Workspace::from_env(None);
    let catalog = Catalog::load(&workspace.root)?;
    Ok((workspace, catalog))
}
