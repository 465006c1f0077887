//! `cargo xtask list`: every exercise with its last status, when it was checked and what failed.
use std::process::ExitCode;

use grader::progress::ProgressFile;

use crate::ui;

pub fn run() -> anyhow::Result<ExitCode> {
    let (workspace, catalog) = super::catalog()?;
    let progress = super::progress(&ProgressFile::at(&workspace.root));
    anstream::print!(
        "{}",
        ui::tables::list(&catalog, &progress, &ui::Layout::stdout())
    );
    Ok(ExitCode::SUCCESS)
}
