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

/// A spinner on stderr; indicatif hides it when stderr is not a terminal.
pub fn spinner(message: String) -> indicatif::ProgressBar {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .expect("valid template"),
    );
    spinner.set_message(message);
    spinner.enable_steady_tick(std::time::Duration::from_millis(100));
    spinner
}
