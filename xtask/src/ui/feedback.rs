//! What one student reads after a roster is graded (`feedback/<id>.md`): for each exercise the
//! text `cargo xtask check` would show, colours off, hidden tests by name only; what of the
//! submission was not graded; and the points.
use grader::gradebook::{RowStatus, StudentGrade};
use grader::{Status, Verdict};

use super::terminal::Layout;
use super::verdict::{TextOptions, headline, text};

/// Not-graded files listed by name; the rest are counted.
const NOT_GRADED_SHOWN: usize = 40;

/// One exercise's feedback: the check's text (only the headline for a pass), without colours
/// and without anything of a hidden test but its name.
pub fn exercise_text(verdict: &Verdict) -> String {
    let redacted = grader::roster::redact_hidden(verdict);
    let shown = if redacted.status == Status::Passed {
        format!("{}\n", headline(&redacted))
    } else {
        let options = TextOptions {
            layout: Layout::pipe(),
            ..TextOptions::default()
        };
        text(&redacted, &options)
    };
    anstream::adapter::strip_str(&shown).to_string()
}

/// Points as the gradebook prints them: no needless decimals, at most two.
pub(super) fn points(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded}")
    }
}

/// The whole `feedback/<id>.md` of a student.
pub fn markdown(row: &StudentGrade) -> String {
    let mut out = String::new();
    let who = if row.name.is_empty() {
        row.id.clone()
    } else {
        format!("{} ({})", row.name, row.id)
    };
    out.push_str(&format!("# Feedback for {who}\n\n"));
    match row.status {
        RowStatus::Graded => out.push_str(&format!(
            "**{} of {} points.**\n\n",
            points(row.total),
            points(row.max)
        )),
        RowStatus::Missing => {
            out.push_str("Nothing was submitted.\n");
            return out;
        }
        RowStatus::Error => {
            out.push_str(&format!(
                "Your submission could not be graded: {}\n",
                row.reason.as_deref().unwrap_or("no reason given")
            ));
        }
    }
    if !row.not_graded.is_empty() {
        out.push_str(
            "Only `exercises/NN-slug/src/**/*.rs` is taken from a submission; the course's own \
             manifests and tests are used.\n\n",
        );
        for path in row.not_graded.iter().take(NOT_GRADED_SHOWN) {
            out.push_str(&format!("- not graded: {path}\n"));
        }
        if row.not_graded.len() > NOT_GRADED_SHOWN {
            out.push_str(&format!(
                "- … and {} more not graded\n",
                row.not_graded.len() - NOT_GRADED_SHOWN
            ));
        }
        out.push('\n');
    }
    for exercise in &row.exercises {
        out.push_str(&format!(
            "## {} — {} of {} points\n\n```text\n{}```\n\n",
            exercise.exercise,
            points(exercise.points),
            points(exercise.max),
            exercise.feedback
        ));
    }
    out
}
