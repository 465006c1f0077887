//! Repository checks that run as ordinary tests: every crate of the course is rustfmt-clean
//! (skeletons included: a learner starts from formatted code), and the grader's map stays true —
//! every module is named in the README's map and in `grader/src/lib.rs`, no stage reaches into a
//! later one, the library holds no CLI words, and every source file says what it is for.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The grader's stages in pipeline order: each may use the ones before it, never one after it.
const STAGES: [&str; 6] = ["catalog", "toolchain", "build", "run", "checks", "report"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Every `.rs` file under `dir`, as paths relative to it.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "rs"))
        .map(|entry| entry.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect()
}

/// The README's "How it is built" section: the map a newcomer reads.
fn readme_map() -> String {
    let readme = read(&root().join("README.md"));
    let start = readme
        .find("## How it is built")
        .expect("README.md has a `## How it is built` section");
    let rest = &readme[start + 2..];
    let end = rest.find("\n## ").map_or(rest.len(), |end| end + 1);
    rest[..end].to_string()
}

/// The modules a file names after `crate::`, also inside `crate::{a, b::c}` groups.
fn crate_imports(source: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (index, _) in source.match_indices("crate::") {
        let rest = &source[index + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for item in inner.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                names.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.insert(name);
        }
    }
    names.remove("");
    names
}

/// The module a file of `grader/src` belongs to: `build/diagnostics.rs` → `build`.
fn top_module(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str();
    Path::new(first)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// What a stage may not import: every later stage, and the engine that drives them all.
fn forbidden_for(stage: &str) -> Vec<&'static str> {
    let position = STAGES.iter().position(|name| *name == stage).unwrap();
    STAGES[position + 1..]
        .iter()
        .copied()
        .chain(["engine"])
        .collect()
}

#[test]
fn every_grader_module_is_in_the_readme_map_and_in_lib_rs() {
    let src = root().join("grader/src");
    let map = readme_map();
    let lib = read(&src.join("lib.rs"));
    let lib_doc: String = lib
        .lines()
        .filter(|line| line.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut missing = Vec::new();
    for file in rust_files(&src) {
        let shown = file.display().to_string();
        if shown == "lib.rs" {
            continue;
        }
        if !map.contains(&shown) {
            missing.push(format!("README.md's map does not name grader/src/{shown}"));
        }
        let module = top_module(&file);
        if !lib.contains(&format!("mod {module};")) {
            missing.push(format!(
                "grader/src/lib.rs does not declare `mod {module};`"
            ));
        }
        if !lib_doc.contains(&format!("`{module}`")) && !lib_doc.contains(&format!("{module} ")) {
            missing.push(format!("grader/src/lib.rs's map does not name `{module}`"));
        }
    }
    missing.dedup();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_cli_module_is_in_the_readme_map() {
    let src = root().join("xtask/src");
    let map = readme_map();
    let mut missing = Vec::new();
    for file in rust_files(&src) {
        // Commands are one file each, named after the command: the map names the folder.
        let shown = if file.starts_with("commands") {
            "commands/".to_string()
        } else {
            file.display().to_string()
        };
        if !map.contains(&shown) {
            missing.push(format!("README.md's map does not name xtask/src/{shown}"));
        }
    }
    missing.dedup();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn no_stage_imports_a_later_one() {
    let src = root().join("grader/src");
    let mut wrong = Vec::new();
    for file in rust_files(&src) {
        let module = top_module(&file);
        if !STAGES.contains(&module.as_str()) {
            continue;
        }
        let imports = crate_imports(&read(&src.join(&file)));
        for later in forbidden_for(&module) {
            if imports.contains(later) {
                wrong.push(format!(
                    "grader/src/{}: stage `{module}` uses `crate::{later}`",
                    file.display()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_library_holds_no_cli_words() {
    let src = root().join("grader/src");
    let mut found = Vec::new();
    for file in rust_files(&src) {
        for (number, line) in read(&src.join(&file)).lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for word in ["cargo xtask", "--no-"] {
                if code.contains(word) {
                    found.push(format!(
                        "grader/src/{}:{}: `{word}` (the CLI words it, not the library)",
                        file.display(),
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let mut undocumented = Vec::new();
    for dir in ["grader/src", "grader/tests", "xtask/src", "xtask/tests"] {
        let dir = root().join(dir);
        for file in rust_files(&dir) {
            if file.starts_with("fixtures") {
                continue;
            }
            let text = read(&dir.join(&file));
            if !text.trim_start().starts_with("//!") {
                undocumented.push(dir.join(&file).display().to_string());
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "these files do not start with a `//!` comment saying what they are for:\n{}",
        undocumented.join("\n")
    );
}

#[test]
fn the_rules_catch_what_they_are_for() {
    let imports = crate_imports("use crate::{catalog::Exercise, checks};\nuse crate::run::Plan;");
    assert_eq!(
        imports.into_iter().collect::<Vec<_>>(),
        ["catalog", "checks", "run"]
    );
    assert!(forbidden_for("build").contains(&"checks"));
    assert!(forbidden_for("build").contains(&"engine"));
    assert!(!forbidden_for("checks").contains(&"run"));
    assert_eq!(top_module(Path::new("build/diagnostics.rs")), "build");
}

#[test]
fn every_crate_is_formatted() {
    let Ok(output) = Command::new(env!("CARGO"))
        .args(["fmt", "--all", "--", "--check"])
        .current_dir(root())
        .output()
    else {
        eprintln!("skipped: cargo fmt is not available");
        return;
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("not installed") {
        eprintln!("skipped: rustfmt is not installed ({stderr})");
        return;
    }
    assert!(
        output.status.success(),
        "run `cargo fmt --all`:\n{}{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
}
