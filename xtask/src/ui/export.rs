//! The texts of `export` and of a course copy without solutions (a student edition).
use std::path::Path;

use super::{paint, style, wrap};

/// `verify` in a copy without `solutions/`.
pub const VERIFY_SKELETONS_ONLY: &str = "this copy of the course has no solutions/ (a student \
    edition): verify checks the skeletons and the exercise folders only";

/// A command that needs the reference solutions, run in a copy that has none. `what` completes
/// "so …" (e.g. "there is no reference to compare your code with").
pub fn no_solutions(what: &str) {
    let text = format!(
        "This copy of the course has no solutions (no solutions/ folder: a student edition \
         has none), so {what}."
    );
    for line in wrap(&text, super::width()) {
        anstream::println!("{line}");
    }
}

/// What `export` wrote, and what to do with it.
pub fn exported(kind: &str, dir: &Path, files: usize, next: &[String]) {
    anstream::println!(
        "{} {kind} edition in {}: {files} files, one commit, no history",
        paint(style::GOOD, "✔"),
        dir.display()
    );
    for line in next {
        anstream::println!("  {line}");
    }
}

/// What `export gradescope` wrote, and what to do with it.
pub fn gradescope(file: &Path, files: usize) {
    anstream::println!(
        "{} Gradescope autograder {}: setup.sh, run_autograder and the course ({} files)",
        paint(style::GOOD, "✔"),
        file.display(),
        files - 2
    );
    for line in [
        "Upload it as the assignment's autograder (Configure Autograder → Zip file upload), with",
        "the Ubuntu 24.04 base image; setup.sh installs Rust and prebuilds the course once.",
        "Students submit their copy of the course (GitHub, or a zip of it); run_autograder grades it.",
    ] {
        anstream::println!("  {line}");
    }
}

/// The workflow's step name for one check of one exercise (shown in GitHub's grading report).
pub fn classroom_step_name(exercise: &str, slug: &str, check: &str) -> String {
    format!("{exercise} {slug}: {check}")
}
