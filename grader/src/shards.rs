//! A roster graded on several machines: which students shard `i` of `N` grades (the roster's
//! students sorted by id, dealt round-robin, so every machine computes the same split), what each
//! part records about itself (`part.json`: shard, count, roster hash, course digest, finished),
//! and the one gradebook merged from the parts — a missing, unfinished, duplicated or foreign part
//! is named, never silently dropped.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fs_err as fs;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::gradebook::StudentGrade;
use crate::roster::{Entry, Student};

/// The file each part holds beside its gradebook.
pub const PART_FILE: &str = "part.json";

/// Shards a roster may be split into (a GitHub Actions matrix holds at most 256 jobs).
pub const MAX_SHARDS: u32 = 256;

/// Shard `index` of `count` (`index` counts from 0, as `JOB_COMPLETION_INDEX` does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 0 ≤ index < count.
    pub index: u32,
    /// 1 ≤ count ≤ [`MAX_SHARDS`].
    pub count: u32,
}

impl Shard {
    /// `I/N`, or `N` alone with the index taken from `index_from_env` (the value of
    /// `JOB_COMPLETION_INDEX`, which Kubernetes sets in each pod of an Indexed Job).
    pub fn parse(text: &str, index_from_env: Option<&str>) -> Result<Self, String> {
        let number = |part: &str, what: &str| -> Result<u32, String> {
            part.trim()
                .parse::<u32>()
                .map_err(|_| format!("`{text}`: {what} `{part}` is not a whole number"))
        };
        let (index, count) = match text.split_once('/') {
            Some((index, count)) => (number(index, "the shard")?, number(count, "the count")?),
            None => {
                let count = number(text, "the count")?;
                let Some(index) = index_from_env else {
                    return Err(format!(
                        "`--shard {text}` takes the shard's index from JOB_COMPLETION_INDEX, \
                         which is not set: give it as I/{text} (0 ≤ I < {text})"
                    ));
                };
                let index = index
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| format!("JOB_COMPLETION_INDEX `{index}` is not a whole number"))?;
                (index, count)
            }
        };
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "`{text}`: the count of shards must be 1 to {MAX_SHARDS}"
            ));
        }
        if index >= count {
            return Err(format!(
                "`{text}`: shard {index} does not exist; shards are numbered 0 to {}",
                count - 1
            ));
        }
        Ok(Self { index, count })
    }

    /// The students this shard grades, each with its position in the whole roster: the
    /// roster's students sorted by id, every `count`-th from the `index`-th on.
    pub fn select<'a>(&self, students: &'a [Student]) -> Vec<(usize, &'a Student)> {
        let mut by_id: Vec<(usize, &Student)> = students.iter().enumerate().collect();
        by_id.sort_by(|a, b| a.1.id.cmp(&b.1.id).then(a.0.cmp(&b.0)));
        let mut mine: Vec<(usize, &Student)> = by_id
            .into_iter()
            .enumerate()
            .filter(|(rank, _)| *rank as u32 % self.count == self.index)
            .map(|(_, student)| student)
            .collect();
        mine.sort_by_key(|(position, _)| *position);
        mine
    }
}

/// The roster as every shard must see it: each student's id, name, email and what was handed in
/// (folder, archive, nothing), in order. Two machines given different rosters disagree here.
pub fn roster_hash(students: &[Student]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"roster v1\0");
    for student in students {
        let kind = match &student.entry {
            Entry::Folder(_) => "folder",
            Entry::Archive(_) => "archive",
            Entry::Missing => "missing",
            Entry::Unusable(_) => "unusable",
        };
        for field in [&student.id, &student.name, &student.email, kind] {
            hasher.update(field.as_bytes());
            hasher.update([0]);
        }
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// `part.json`: what a part is, written when the shard starts and again when it has finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartInfo {
    /// Which shard, of how many.
    pub shard: Shard,
    /// [`roster_hash`] of the whole roster.
    pub roster: String,
    /// Students on the whole roster.
    pub roster_size: usize,
    /// The course's grading inputs (`roster::course_digest`).
    pub course: String,
    /// This shard's students (ids), with their positions in the whole roster.
    pub students: Vec<PartStudent>,
    /// Every student of the shard has a row: the shard ran to its end.
    pub finished: bool,
}

/// One student of a part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartStudent {
    /// The student's id.
    pub id: String,
    /// Where the student stands in the whole roster (the merged gradebook's order).
    pub position: usize,
}

impl PartInfo {
    /// Write `dir/part.json` (aside, then renamed: an interrupt leaves the previous one).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let temporary = dir.join(format!("{PART_FILE}.new"));
        fs::write(
            &temporary,
            serde_json::to_string_pretty(self).expect("a part serialises"),
        )?;
        fs::rename(&temporary, dir.join(PART_FILE))
    }
}

/// Why the parts cannot be merged; every problem is reported, each naming its shard or folder.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MergeProblem {
    /// A folder that is no part (no part.json, or unreadable).
    #[error("{}: not a part of a sharded grading ({why})", .dir.display())]
    NotAPart {
        /// The folder.
        dir: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// Parts of different gradings (another roster, course or count of shards).
    #[error(
        "{}: shard {} was graded with {what} than {}",
        .dir.display(), .shard, .first.display()
    )]
    Foreign {
        /// The folder.
        dir: PathBuf,
        /// Its shard.
        shard: u32,
        /// What differs (`another roster`, …).
        what: String,
        /// The folder it was compared with.
        first: PathBuf,
    },
    /// The same shard twice.
    #[error("shard {shard} appears twice: {} and {}", .dirs.0.display(), .dirs.1.display())]
    Duplicate {
        /// The shard.
        shard: u32,
        /// Both folders.
        dirs: (PathBuf, PathBuf),
    },
    /// A shard that did not finish (its pod or job failed or was stopped).
    #[error(
        "shard {shard} of {count} did not finish ({}): {graded} of its {students} students graded; \
         run it again",
        .dir.display()
    )]
    Unfinished {
        /// The shard.
        shard: u32,
        /// Of how many.
        count: u32,
        /// Its folder.
        dir: PathBuf,
        /// Rows it has.
        graded: usize,
        /// Rows it should have.
        students: usize,
    },
    /// Shards none of the given folders holds.
    #[error(
        "{} of {count} {}: no part among those given",
        list(.shards),
        if .shards.len() == 1 { "is missing" } else { "are missing" }
    )]
    Missing {
        /// The shards.
        shards: Vec<u32>,
        /// Of how many.
        count: u32,
    },
}

/// `shard 2`, `shards 1, 3`.
fn list(shards: &[u32]) -> String {
    let numbers: Vec<String> = shards.iter().map(u32::to_string).collect();
    let noun = if shards.len() == 1 { "shard" } else { "shards" };
    format!("{noun} {}", numbers.join(", "))
}

/// One part, read.
#[derive(Debug)]
struct Part {
    dir: PathBuf,
    info: PartInfo,
    rows: Vec<StudentGrade>,
    sandbox: serde_json::Value,
}

fn read_part(dir: &Path) -> Result<Part, MergeProblem> {
    let not_a_part = |why: String| MergeProblem::NotAPart {
        dir: dir.to_path_buf(),
        why,
    };
    let text = std::fs::read_to_string(dir.join(PART_FILE))
        .map_err(|error| not_a_part(format!("{PART_FILE}: {error}")))?;
    let info: PartInfo =
        serde_json::from_str(&text).map_err(|error| not_a_part(format!("{PART_FILE}: {error}")))?;
    #[derive(Deserialize)]
    struct Grades {
        #[serde(default)]
        sandbox: serde_json::Value,
        students: Vec<StudentGrade>,
    }
    let grades: Grades = match std::fs::read_to_string(dir.join("grades.json")) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|error| not_a_part(format!("grades.json: {error}")))?,
        // A shard that failed before its first student, or has no students, has no gradebook.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Grades {
            sandbox: serde_json::Value::Null,
            students: Vec::new(),
        },
        Err(error) => return Err(not_a_part(format!("grades.json: {error}"))),
    };
    Ok(Part {
        dir: dir.to_path_buf(),
        info,
        rows: grades.students,
        sandbox: grades.sandbox,
    })
}

/// The parts merged: the rows in the whole roster's order.
#[derive(Debug)]
pub struct Merged {
    /// Every student of the roster.
    pub rows: Vec<StudentGrade>,
    /// The sandbox every part was graded in (grades.json's `sandbox`).
    pub sandbox: serde_json::Value,
    /// Shards merged.
    pub count: u32,
}

/// Merge the parts in `dirs`, or say everything that stops it.
pub fn merge(dirs: &[PathBuf]) -> Result<Merged, Vec<MergeProblem>> {
    let mut problems = Vec::new();
    let mut parts: Vec<Part> = Vec::new();
    for dir in dirs {
        match read_part(dir) {
            Ok(part) => parts.push(part),
            Err(problem) => problems.push(problem),
        }
    }
    let Some(first) = parts.first() else {
        return Err(problems);
    };
    let reference = first.info.clone();
    let first_dir = first.dir.clone();
    let mut by_shard: BTreeMap<u32, &Part> = BTreeMap::new();
    for part in &parts {
        let info = &part.info;
        let foreign =
            if info.roster != reference.roster || info.roster_size != reference.roster_size {
                Some("another roster".to_string())
            } else if info.shard.count != reference.shard.count {
                Some(format!(
                    "{} shards rather than {}",
                    info.shard.count, reference.shard.count
                ))
            } else if info.course != reference.course {
                Some("another version of the course".to_string())
            } else if !part.sandbox.is_null()
                && !first.sandbox.is_null()
                && part.sandbox["mode"] != first.sandbox["mode"]
            {
                Some(format!(
                    "another sandbox mode ({} rather than {})",
                    part.sandbox["mode"], first.sandbox["mode"]
                ))
            } else {
                None
            };
        if let Some(what) = foreign {
            problems.push(MergeProblem::Foreign {
                dir: part.dir.clone(),
                shard: info.shard.index,
                what,
                first: first_dir.clone(),
            });
            continue;
        }
        if let Some(other) = by_shard.insert(info.shard.index, part) {
            problems.push(MergeProblem::Duplicate {
                shard: info.shard.index,
                dirs: (other.dir.clone(), part.dir.clone()),
            });
            continue;
        }
        let complete = info.finished
            && info.students.len() == part.rows.len()
            && info
                .students
                .iter()
                .zip(&part.rows)
                .all(|(student, row)| student.id == row.id);
        if !complete {
            problems.push(MergeProblem::Unfinished {
                shard: info.shard.index,
                count: info.shard.count,
                dir: part.dir.clone(),
                graded: part.rows.len().min(info.students.len()),
                students: info.students.len(),
            });
        }
    }
    let missing: Vec<u32> = (0..reference.shard.count)
        .filter(|shard| !by_shard.contains_key(shard))
        .collect();
    if !missing.is_empty() {
        problems.push(MergeProblem::Missing {
            shards: missing,
            count: reference.shard.count,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut placed: Vec<(usize, StudentGrade)> = by_shard
        .values()
        .flat_map(|part| {
            part.info
                .students
                .iter()
                .map(|student| student.position)
                .zip(part.rows.iter().cloned())
        })
        .collect();
    placed.sort_by_key(|(position, _)| *position);
    let positions: Vec<usize> = placed.iter().map(|(position, _)| *position).collect();
    if positions != (0..reference.roster_size).collect::<Vec<_>>() {
        return Err(vec![MergeProblem::NotAPart {
            dir: first_dir,
            why: format!(
                "the parts' students do not make up the roster of {} (positions {positions:?})",
                reference.roster_size
            ),
        }]);
    }
    Ok(Merged {
        rows: placed.into_iter().map(|(_, row)| row).collect(),
        sandbox: sandbox(&by_shard),
        count: reference.shard.count,
    })
}

/// The parts' sandbox (one mode): as each part has it when they agree, else the mode and what
/// was in force on each shard's machine (`in_force_by_shard`).
fn sandbox(parts: &BTreeMap<u32, &Part>) -> serde_json::Value {
    let known: Vec<(u32, &serde_json::Value)> = parts
        .iter()
        .filter(|(_, part)| !part.sandbox.is_null())
        .map(|(shard, part)| (*shard, &part.sandbox))
        .collect();
    let Some((_, first)) = known.first() else {
        return serde_json::Value::Null;
    };
    if known.iter().all(|(_, sandbox)| sandbox == first) {
        return (*first).clone();
    }
    let by_shard: serde_json::Map<String, serde_json::Value> = known
        .iter()
        .map(|(shard, sandbox)| (shard.to_string(), sandbox["in_force"].clone()))
        .collect();
    serde_json::json!({ "mode": first["mode"], "in_force_by_shard": by_shard })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradebook::RowStatus;

    fn student(id: &str) -> Student {
        Student {
            id: id.into(),
            name: String::new(),
            email: String::new(),
            entry: Entry::Missing,
        }
    }

    fn row(id: &str) -> StudentGrade {
        StudentGrade {
            id: id.into(),
            name: String::new(),
            email: String::new(),
            status: RowStatus::Missing,
            reason: None,
            not_graded: Vec::new(),
            exercises: Vec::new(),
            total: 0.0,
            max: 6.0,
            cached: false,
        }
    }

    #[test]
    fn the_index_comes_from_the_flag_or_the_environment() {
        assert_eq!(Shard::parse("2/4", None), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(
            Shard::parse("4", Some("3")),
            Ok(Shard { index: 3, count: 4 })
        );
        let unset = Shard::parse("4", None).unwrap_err();
        assert!(unset.contains("JOB_COMPLETION_INDEX"), "{unset}");
        assert!(Shard::parse("4/4", None).unwrap_err().contains("0 to 3"));
        assert!(Shard::parse("0/0", None).is_err());
        assert!(Shard::parse("0/257", None).is_err());
        assert!(Shard::parse("x/2", None).unwrap_err().contains("`x`"));
        assert!(Shard::parse("2", Some("two")).is_err());
    }

    #[test]
    fn shards_deal_the_students_sorted_by_id_and_cover_the_roster_once() {
        // The roster's order (roster.csv first) is not the id order.
        let roster: Vec<Student> = ["dave", "alice", "erin", "bob", "carol"]
            .into_iter()
            .map(student)
            .collect();
        let ids = |shard: Shard| -> Vec<(usize, String)> {
            shard
                .select(&roster)
                .into_iter()
                .map(|(position, student)| (position, student.id.clone()))
                .collect()
        };
        assert_eq!(
            ids(Shard { index: 0, count: 2 }),
            [(1, "alice".into()), (2, "erin".into()), (4, "carol".into())]
        );
        assert_eq!(
            ids(Shard { index: 1, count: 2 }),
            [(0, "dave".into()), (3, "bob".into())]
        );
        // More shards than students: some shards grade nobody.
        let mut all: Vec<usize> = (0..7)
            .flat_map(|index| ids(Shard { index, count: 7 }))
            .map(|(position, _)| position)
            .collect();
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn the_roster_hash_sees_a_changed_roster() {
        let roster: Vec<Student> = ["a", "b"].into_iter().map(student).collect();
        let mut other = roster.clone();
        other[1].entry = Entry::Folder(PathBuf::from("b"));
        assert_ne!(roster_hash(&roster), roster_hash(&other));
        assert_eq!(roster_hash(&roster), roster_hash(&roster.clone()));
    }

    /// Parts of a roster `ids`, split in `count`, written under `root/part-i`.
    fn parts(root: &Path, ids: &[&str], count: u32) -> Vec<PathBuf> {
        let roster: Vec<Student> = ids.iter().copied().map(student).collect();
        (0..count)
            .map(|index| {
                let shard = Shard { index, count };
                let dir = root.join(format!("part-{index}"));
                std::fs::create_dir_all(&dir).unwrap();
                let mine = shard.select(&roster);
                let info = PartInfo {
                    shard,
                    roster: roster_hash(&roster),
                    roster_size: roster.len(),
                    course: "c".into(),
                    students: mine
                        .iter()
                        .map(|(position, student)| PartStudent {
                            id: student.id.clone(),
                            position: *position,
                        })
                        .collect(),
                    finished: true,
                };
                info.write(&dir).unwrap();
                let rows: Vec<StudentGrade> = mine.iter().map(|(_, s)| row(&s.id)).collect();
                std::fs::write(
                    dir.join("grades.json"),
                    serde_json::json!({ "sandbox": { "mode": "off" }, "students": rows })
                        .to_string(),
                )
                .unwrap();
                dir
            })
            .collect()
    }

    #[test]
    fn parts_merge_back_into_the_rosters_order() {
        let root = tempfile::tempdir().unwrap();
        let dirs = parts(root.path(), &["dave", "alice", "erin", "bob", "carol"], 3);
        let merged = merge(&dirs).unwrap();
        let ids: Vec<&str> = merged.rows.iter().map(|row| row.id.as_str()).collect();
        assert_eq!(ids, ["dave", "alice", "erin", "bob", "carol"]);
        assert_eq!(merged.count, 3);
        assert_eq!(merged.sandbox["mode"], "off");
    }

    #[test]
    fn a_shard_without_students_and_machines_with_other_protections_still_merge() {
        let root = tempfile::tempdir().unwrap();
        let dirs = parts(root.path(), &["a", "b"], 3);
        std::fs::remove_file(dirs[2].join("grades.json")).unwrap();
        std::fs::write(
            dirs[1].join("grades.json"),
            serde_json::json!({ "sandbox": { "mode": "off", "in_force": ["rlimits"] },
                "students": [row("b")] })
            .to_string(),
        )
        .unwrap();
        let merged = merge(&dirs).unwrap();
        assert_eq!(merged.rows.len(), 2);
        assert_eq!(merged.sandbox["mode"], "off");
        assert_eq!(merged.sandbox["in_force_by_shard"]["1"][0], "rlimits");
        // Another mode is another grading.
        std::fs::write(
            dirs[1].join("grades.json"),
            serde_json::json!({ "sandbox": { "mode": "required" }, "students": [row("b")] })
                .to_string(),
        )
        .unwrap();
        let problems = merge(&dirs).unwrap_err();
        assert!(
            problems[0].to_string().contains("another sandbox mode"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_missing_unfinished_duplicated_or_foreign_shard_is_named() {
        let root = tempfile::tempdir().unwrap();
        let dirs = parts(root.path(), &["a", "b", "c", "d", "e", "f"], 3);
        // Shard 2 missing.
        let problems = merge(&dirs[..2]).unwrap_err();
        assert_eq!(
            problems,
            [MergeProblem::Missing {
                shards: vec![2],
                count: 3
            }]
        );
        assert_eq!(
            problems[0].to_string(),
            "shard 2 of 3 is missing: no part among those given"
        );
        // Shard 1 stopped after its first student.
        let mut info: PartInfo =
            serde_json::from_str(&std::fs::read_to_string(dirs[1].join(PART_FILE)).unwrap())
                .unwrap();
        info.finished = false;
        info.write(&dirs[1]).unwrap();
        let problems = merge(&dirs).unwrap_err();
        assert!(
            matches!(
                &problems[..],
                [MergeProblem::Unfinished {
                    shard: 1,
                    count: 3,
                    ..
                }]
            ),
            "{problems:?}"
        );
        // Shard 0 given twice, and a part of another roster.
        info.finished = true;
        info.write(&dirs[1]).unwrap();
        let other = parts(&root.path().join("other"), &["a", "b", "x"], 3);
        let mut given = dirs.clone();
        given.push(dirs[0].clone());
        given.push(other[0].clone());
        given.push(root.path().join("nothing-here"));
        let problems = merge(&given).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(|line| line.contains("not a part")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|line| line.contains("shard 0 appears twice")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|line| line.contains("another roster")),
            "{text:?}"
        );
        assert_eq!(problems.len(), 3, "{text:?}");
    }
}
