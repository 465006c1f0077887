//! `cargo xtask reset EXERCISE` / `reset --all`: put an exercise's `src/` back to the skeleton as
//! committed (git's `HEAD`), after copying the learner's `src/` to
//! `.course-backups/<time>/<NN-slug>/src/`. Nothing a learner wrote is ever lost.
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use fs_err as fs;
use grader::Exercise;
use grader::progress::ProgressFile;
use walkdir::WalkDir;

use crate::output;

pub const BACKUPS_DIR: &str = ".course-backups";

#[derive(clap::Args)]
pub struct Args {
    /// `exercise-3`, `3`, `03` or the slug.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    exercise: Option<String>,
    /// Reset every exercise.
    #[arg(long)]
    all: bool,
}

/// Files below a folder: path relative to it → contents.
type Tree = BTreeMap<PathBuf, File>;

#[derive(Debug, PartialEq, Eq)]
struct File {
    bytes: Vec<u8>,
    executable: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (workspace, catalog) = super::catalog()?;
    let selected: Vec<&Exercise> = match &args.exercise {
        _ if args.all => catalog.exercises.iter().collect(),
        Some(query) => {
            let exercise = catalog.find(query)?;
            vec![exercise]
        }
        None => unreachable!("clap requires EXERCISE or --all"),
    };
    let git = match Git::open(&workspace.root) {
        Ok(git) => git,
        Err(message) => {
            output::error(&message);
            return Ok(ExitCode::from(output::GRADER_ERROR));
        }
    };
    let progress = ProgressFile::at(&workspace.root);
    let mut backup_root: Option<PathBuf> = None;
    let (mut reset, mut untouched, mut uncommitted) = (0, 0, Vec::new());
    for exercise in selected {
        let src = exercise.dir.join("src");
        let shown = workspace.display(&src).to_string();
        let skeleton = git.committed_tree(&src)?;
        if skeleton.is_empty() {
            uncommitted.push(shown);
            continue;
        }
        let current = read_tree(&src)?;
        if current == skeleton {
            untouched += 1;
            if !args.all {
                anstream::println!(
                    "{shown}/ is already the skeleton as committed: nothing to reset."
                );
            }
            continue;
        }
        let root = match &backup_root {
            Some(root) => root.clone(),
            None => backup_root
                .insert(new_backup_root(&workspace.root.join(BACKUPS_DIR))?)
                .clone(),
        };
        let backup = root.join(exercise.folder()).join("src");
        write_tree(&backup, &current)?;
        restore(&src, &skeleton)?;
        if let Err(error) = progress.forget_verdict(&exercise.name()) {
            anstream::eprintln!("note: could not update the progress file: {error}");
        }
        reset += 1;
        anstream::println!(
            "{} {}: {shown}/ is back to the skeleton as committed.",
            exercise.name(),
            exercise.slug
        );
        anstream::println!("  Your version is saved in {}/", workspace.display(&backup));
    }
    if args.all {
        let saved = backup_root
            .map(|root| format!("; your code is saved in {}/", workspace.display(&root)));
        anstream::println!(
            "Reset {reset} exercise(s), {untouched} already the skeleton{}.",
            saved.unwrap_or_default()
        );
    }
    if uncommitted.is_empty() {
        return Ok(ExitCode::from(output::PASSED));
    }
    for src in &uncommitted {
        output::error(&format!(
            "{src}/ is not in the last commit, so there is no skeleton to restore it to; it was left alone."
        ));
    }
    // With --all, exercises that were never committed (a course author's new one) are only noted.
    Ok(ExitCode::from(if args.all && reset + untouched > 0 {
        output::PASSED
    } else {
        output::GRADER_ERROR
    }))
}

/// `.course-backups/2026-11-28T04-13-49Z`, or `…Z-2` when that exists already.
fn new_backup_root(backups: &Path) -> anyhow::Result<PathBuf> {
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace(':', "-");
    fs::create_dir_all(backups)?;
    for attempt in 1.. {
        let name = if attempt == 1 {
            stamp.clone()
        } else {
            format!("{stamp}-{attempt}")
        };
        let dir = backups.join(name);
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error.into()),
        }
    }
    unreachable!()
}

fn read_tree(dir: &Path) -> anyhow::Result<Tree> {
    let mut tree = Tree::new();
    if !dir.is_dir() {
        return Ok(tree);
    }
    // Symbolic links are followed: a linked file is backed up with its contents.
    for entry in WalkDir::new(dir).follow_links(true) {
        let entry = entry?;
        if entry.file_type().is_dir() {
            continue;
        }
        let bytes = fs::read(entry.path())?;
        let executable = entry.metadata()?.permissions().mode() & 0o111 != 0;
        tree.insert(
            entry.path().strip_prefix(dir)?.to_path_buf(),
            File { bytes, executable },
        );
    }
    Ok(tree)
}

fn write_tree(dir: &Path, tree: &Tree) -> anyhow::Result<()> {
    fs::create_dir_all(dir)?;
    for (relative, file) in tree {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &file.bytes)?;
        if file.executable {
            fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(())
}

/// Empty `src` (keeping the folder itself, so a running `cargo xtask watch` keeps watching it)
/// and write the skeleton into it.
fn restore(src: &Path, skeleton: &Tree) -> anyhow::Result<()> {
    if src.is_dir() {
        for entry in fs::read_dir(src)? {
            let path = entry?.path();
            if path.is_dir() && !path.is_symlink() {
                fs::remove_dir_all(&path)?;
            } else {
                fs::remove_file(&path)?;
            }
        }
    }
    write_tree(src, skeleton)
}

/// The git checkout the course lives in.
struct Git {
    root: PathBuf,
    /// The course root relative to the top of the checkout, `""` or `course/`.
    prefix: String,
}

impl Git {
    fn open(root: &Path) -> Result<Self, String> {
        let git = Self {
            root: root.to_path_buf(),
            prefix: String::new(),
        };
        let inside = git.run(&["rev-parse", "--is-inside-work-tree"]).map_err(|error| match error {
            GitFailure::NotRun(error) => format!("cannot run git ({error}): `cargo xtask reset` restores files from git."),
            GitFailure::Failed { .. } => format!(
                "{} is not inside a git checkout, so there is no committed skeleton to reset to.\n\
                 Nothing was changed. Clone the course with git to use `cargo xtask reset`.",
                root.display()
            ),
        })?;
        if String::from_utf8_lossy(&inside).trim() != "true" {
            return Err(format!(
                "{} is not inside a git work tree (a bare repository?); nothing was changed.",
                root.display()
            ));
        }
        if git
            .run(&["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
            .is_err()
        {
            return Err("this git checkout has no commit yet, so there is no skeleton to reset to; nothing was changed.".into());
        }
        let prefix = git
            .run(&["rev-parse", "--show-prefix"])
            .map_err(|error| error.to_string())?;
        Ok(Self {
            prefix: String::from_utf8_lossy(&prefix).trim().to_string(),
            ..git
        })
    }

    /// The files under `dir` in HEAD, as git would check them out (with its filters: line
    /// endings, attributes). Empty when HEAD has none.
    fn committed_tree(&self, dir: &Path) -> anyhow::Result<Tree> {
        let relative = dir
            .strip_prefix(&self.root)?
            .to_string_lossy()
            .replace('\\', "/");
        let full = format!("{}{relative}/", self.prefix);
        let listing = self.run(&[
            "ls-tree",
            "-r",
            "-z",
            "--full-name",
            "HEAD",
            "--",
            &format!(":/{full}"),
        ])?;
        let mut tree = Tree::new();
        for entry in listing
            .split(|byte| *byte == 0)
            .filter(|entry| !entry.is_empty())
        {
            let entry = String::from_utf8_lossy(entry);
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut fields = meta.split(' ');
            let (mode, kind) = (
                fields.next().unwrap_or_default(),
                fields.next().unwrap_or_default(),
            );
            let Some(inside) = path.strip_prefix(&full) else {
                continue;
            };
            if kind != "blob" {
                continue;
            }
            let bytes = self.run(&["cat-file", "--filters", &format!("HEAD:{path}")])?;
            tree.insert(
                PathBuf::from(inside),
                File {
                    bytes,
                    executable: mode == "100755",
                },
            );
        }
        Ok(tree)
    }

    fn run(&self, args: &[&str]) -> Result<Vec<u8>, GitFailure> {
        let output = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args(args)
            .output()
            .map_err(GitFailure::NotRun)?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(GitFailure::Failed {
                command: args.join(" "),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            })
        }
    }
}

/// A git command that could not start, or that exited with an error.
#[derive(Debug, thiserror::Error)]
enum GitFailure {
    #[error("cannot run git: {0}")]
    NotRun(std::io::Error),
    #[error("git {command} failed: {stderr}")]
    Failed { command: String, stderr: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_replaces_everything_in_src_and_keeps_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("nested")).unwrap();
        std::fs::write(src.join("lib.rs"), "mine").unwrap();
        std::fs::write(src.join("nested/extra.rs"), "extra").unwrap();
        let mut skeleton = Tree::new();
        skeleton.insert(
            "lib.rs".into(),
            File {
                bytes: b"todo!()".to_vec(),
                executable: false,
            },
        );
        let before = read_tree(&src).unwrap();
        restore(&src, &skeleton).unwrap();
        assert_eq!(read_tree(&src).unwrap(), skeleton);
        write_tree(&dir.path().join("backup"), &before).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("backup/nested/extra.rs")).unwrap(),
            "extra"
        );
    }

    #[test]
    fn backup_folders_never_collide() {
        let dir = tempfile::tempdir().unwrap();
        let first = new_backup_root(dir.path()).unwrap();
        let second = new_backup_root(dir.path()).unwrap();
        assert_ne!(first, second);
        assert!(!first.file_name().unwrap().to_string_lossy().contains(':'));
    }
}
