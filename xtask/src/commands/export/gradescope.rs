//! The Gradescope autograder: one zip holding `setup.sh` and `run_autograder` at its root (from
//! grader/deploy/gradescope/) and the course as committed at HEAD under `course/` — solutions and
//! hidden tests included, for the autograder is the instructor's and students never see it.
use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use fs_err as fs;
use grader::Workspace;
use zip::write::SimpleFileOptions;

use super::student::{self, Mode};

/// Gradescope's set-up script (runs once, when the autograder's image is built).
pub const SETUP: &str = include_str!("../../../../grader/deploy/gradescope/setup.sh");
/// Gradescope's per-submission script.
pub const RUN_AUTOGRADER: &str =
    include_str!("../../../../grader/deploy/gradescope/run_autograder");
/// Where the course goes inside the zip (so in `/autograder/source/`).
pub const COURSE_DIR: &str = "course";

/// Write the autograder zip to `file`; returns the number of files in it.
pub fn export(workspace: &Workspace, file: &Path) -> anyhow::Result<usize> {
    if file.extension().is_none_or(|extension| extension != "zip") {
        bail!(
            "{}: Gradescope takes the autograder as a .zip: name it FILE.zip",
            file.display()
        );
    }
    if file.exists() {
        bail!(
            "{} exists: give a new file name (nothing was written)",
            file.display()
        );
    }
    let entries = student::tracked_files(&workspace.root)?;
    let hashes: Vec<&str> = entries.iter().map(|entry| entry.hash.as_str()).collect();
    let contents = student::read_blobs(&workspace.root, &hashes)?;
    let parent = file
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    // Written aside and renamed: an error leaves no half zip behind.
    let temporary = tempfile::Builder::new()
        .prefix(".gradescope-")
        .suffix(".zip.part")
        .tempfile_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    let mut zip = zip::ZipWriter::new(temporary.as_file());
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let executable = options.unix_permissions(0o755);
    let regular = options.unix_permissions(0o644);
    zip.start_file("setup.sh", executable)?;
    zip.write_all(SETUP.as_bytes())?;
    zip.start_file("run_autograder", executable)?;
    zip.write_all(RUN_AUTOGRADER.as_bytes())?;
    let mut files = 2;
    for (entry, content) in entries.iter().zip(contents) {
        let name = format!("{COURSE_DIR}/{}", entry.path);
        match entry.mode {
            Mode::Symlink => zip.add_symlink(name, String::from_utf8_lossy(&content), regular)?,
            Mode::Executable => {
                zip.start_file(name, executable)?;
                zip.write_all(&content)?;
            }
            Mode::File => {
                zip.start_file(name, regular)?;
                zip.write_all(&content)?;
            }
        }
        files += 1;
    }
    zip.finish()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(temporary.path(), std::fs::Permissions::from_mode(0o644))?;
    }
    temporary
        .persist_noclobber(file)
        .map_err(|error| error.error)
        .with_context(|| format!("cannot create {}", file.display()))?;
    Ok(files)
}
