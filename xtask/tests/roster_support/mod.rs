//! What the roster tests share: copying a student's files, and finding the processes a
//! submission left running (by a token its code put in their command lines).
#![allow(dead_code)]
use std::path::Path;

/// Every file under `from`, copied to `to`.
pub fn copy(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `pid: command line` of every process (but this one) whose command line holds `token`.
pub fn survivors(token: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if pid.parse::<u32>().is_err() || pid == std::process::id().to_string() {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(token) {
                found.push(format!("{pid}: {cmdline}"));
            }
        }
    }
    found
}

/// `grade-all --submissions SUBS --out OUT` and `more`.
pub fn grade_all<'a>(subs: &'a Path, out: &'a Path, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "grade-all",
        "--submissions",
        subs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    args
}
