//! `grade-all --shard I/N` and `grade-all --merge PART… --out DIR`: a roster graded on several
//! machines (a Kubernetes Indexed Job, a GitHub Actions matrix) and the one gradebook made from
//! their parts. The split and the checks of the parts are `grader::shards`.
use std::process::ExitCode;
use std::time::Instant;

use grader::gradebook::RowStatus;
use grader::roster::Student;
use grader::shards::{self, PartInfo, PartStudent, Shard};

use super::grade_all::Args;
use super::roster::Outputs;
use crate::output::{self, Format};
use crate::ui;

/// Where `--shard N` (without `I/`) takes the shard's index from.
pub const INDEX_VARIABLE: &str = "JOB_COMPLETION_INDEX";

/// The shard `--shard` names, if any.
pub fn shard(args: &Args) -> Result<Option<Shard>, String> {
    let Some(text) = &args.shard else {
        return Ok(None);
    };
    let from_env = std::env::var(INDEX_VARIABLE).ok();
    Shard::parse(text, from_env.as_deref()).map(Some)
}

/// The part a shard of `roster` writes (not finished yet).
pub fn part(shard: Shard, roster: &[Student], course_digest: &str) -> PartInfo {
    PartInfo {
        shard,
        roster: shards::roster_hash(roster),
        roster_size: roster.len(),
        course: course_digest.to_string(),
        students: shard
            .select(roster)
            .into_iter()
            .map(|(position, student)| PartStudent {
                id: student.id.clone(),
                position,
            })
            .collect(),
        finished: false,
    }
}

/// `--merge`: the parts' rows in the roster's order, written as one gradebook; or every problem
/// of the parts, and nothing written.
pub fn merge(args: &Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let out = args.out.clone().expect("clap requires --out with --merge");
    let merged = match shards::merge(&args.merge) {
        Ok(merged) => merged,
        Err(problems) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            ui::shards::refused(&lines, &out);
            return Ok(ExitCode::from(output::GRADER_ERROR));
        }
    };
    let (_, catalog) = super::catalog()?;
    let outputs = Outputs {
        dir: out.clone(),
        exercises: catalog.exercises.clone(),
        sandbox: merged.sandbox.clone(),
    };
    outputs.write_all(&merged.rows)?;
    let seconds = started.elapsed().as_secs_f64();
    match args.format {
        Format::Text => ui::shards::merged(&merged.rows, merged.count, seconds, &out),
        Format::Json => {
            let count = |status| {
                merged
                    .rows
                    .iter()
                    .filter(|row| row.status == status)
                    .count()
            };
            let summary = serde_json::json!({
                "shards": merged.count,
                "students": merged.rows.len(),
                "graded": count(RowStatus::Graded),
                "missing": count(RowStatus::Missing),
                "error": count(RowStatus::Error),
                "out": out,
            });
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
    }
    let errors = merged.rows.iter().any(|row| row.status == RowStatus::Error);
    Ok(ExitCode::from(if errors {
        output::NOT_PASSED
    } else {
        output::PASSED
    }))
}
