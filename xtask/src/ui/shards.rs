//! `grade-all --merge`'s texts: the merged gradebook's summary, or every problem of the parts.
use std::path::Path;

use grader::gradebook::StudentGrade;

use super::tables::roster_summary;

/// The parts could not be merged: each problem on its line, and that nothing was written.
pub fn refused(problems: &[String], out: &Path) {
    for problem in problems {
        super::error(problem);
    }
    super::error(&format!(
        "nothing was merged into {}: give every part (--merge DIR/part-*), after rerunning the \
         shards named above",
        out.display()
    ));
}

/// The gradebook merged from `count` parts.
pub fn merged(rows: &[StudentGrade], count: u32, seconds: f64, out: &Path) {
    let summary = roster_summary(
        rows,
        seconds,
        &out.join("gradebook.csv").display().to_string(),
    );
    anstream::print!("{summary}");
    anstream::println!("merged from {count} shards");
}
