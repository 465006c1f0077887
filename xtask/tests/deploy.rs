//! The deployment recipes of grader/deploy/ hold what they claim: the GitHub Actions workflow
//! passes actionlint and its plan step makes a matrix of 1 to 256 shards; the Kubernetes
//! manifests pass `kubernetes-validate --strict` (pinned in grader/deploy/requirements.txt,
//! installed into target/tools/deploy-venv on first use: it bundles the API's schemas) and form
//! an Indexed Job whose shard count agrees with itself; the Containerfile copies files that
//! exist; and every `grade-all` flag any recipe uses is one the CLI accepts. Nothing here needs a
//! cluster, a container engine or GitHub: those run the recipes, these tests check them.
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{actionlint, repo, target};
use yaml_rust2::{Yaml, YamlLoader};

fn deploy(path: &str) -> PathBuf {
    repo().join("grader/deploy").join(path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(path: &Path) -> Vec<Yaml> {
    YamlLoader::load_from_str(&read(path)).unwrap()
}

const WORKFLOW: &str = "github-actions/grade-roster.yml";
const MANIFESTS: &[&str] = &[
    "kubernetes/grade-roster.yaml",
    "kubernetes/merge-gradebook.yaml",
];

#[test]
fn the_actions_workflow_passes_actionlint_which_catches_a_broken_one() {
    let workflow = deploy(WORKFLOW);
    assert_eq!(actionlint(&[&workflow]), serde_json::json!([]));
    let scratch = tempfile::tempdir().unwrap();
    let broken = scratch.path().join("broken.yml");
    std::fs::write(
        &broken,
        read(&workflow).replace("needs.plan.outputs.indexes", "needs.plan.outputs.shards"),
    )
    .unwrap();
    let findings = actionlint(&[&broken]);
    assert!(
        findings.to_string().contains("shards"),
        "an output the plan job does not have: {findings:#}"
    );
}

/// The workflow's plan step, run by bash as the runner runs it, for `shards`: its exit code and
/// what it wrote to GITHUB_OUTPUT.
fn plan(shards: &str) -> (bool, String) {
    let doc = &yaml(&deploy(WORKFLOW))[0];
    let script = doc["jobs"]["plan"]["steps"][0]["run"].as_str().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let output = scratch.path().join("output");
    std::fs::write(&output, "").unwrap();
    let status = Command::new("bash")
        .args(["-e", "-c", script])
        .env("SHARDS", shards)
        .env("GITHUB_OUTPUT", &output)
        .output()
        .unwrap()
        .status;
    (status.success(), read(&output))
}

#[test]
fn the_actions_matrix_holds_one_job_per_shard_up_to_256_and_the_merge_always_runs() {
    assert_eq!(plan("3"), (true, "indexes=[0,1,2]\n".to_string()));
    let (ok, output) = plan("256");
    assert!(ok);
    let indexes: serde_json::Value =
        serde_json::from_str(output.trim().strip_prefix("indexes=").unwrap()).unwrap();
    assert_eq!(indexes.as_array().unwrap().len(), 256);
    assert_eq!(indexes[255], 255);
    for refused in ["0", "257", "many", "3; echo injected"] {
        assert_eq!(plan(refused), (false, String::new()), "{refused}");
    }
    let doc = &yaml(&deploy(WORKFLOW))[0];
    let jobs = &doc["jobs"];
    assert_eq!(
        jobs["grade"]["strategy"]["matrix"]["index"].as_str(),
        Some("${{ fromJSON(needs.plan.outputs.indexes) }}")
    );
    let grade = serde_yaml_text(&jobs["grade"]);
    assert!(
        grade.contains("JOB_COMPLETION_INDEX: ${{ matrix.index }}"),
        "{grade}"
    );
    assert!(grade.contains("actions/upload-artifact"), "{grade}");
    let merge = &jobs["merge"];
    assert!(
        merge["if"].as_str().unwrap().starts_with("always()"),
        "a failed shard must still be named by the merge"
    );
    assert!(serde_yaml_text(merge).contains("--merge parts/part-*"));
}

/// A YAML node's scalars, one per line (enough to look for a command or a setting in it).
fn serde_yaml_text(node: &Yaml) -> String {
    match node {
        Yaml::Hash(hash) => hash
            .iter()
            .map(|(key, value)| format!("{}: {}", serde_yaml_text(key), serde_yaml_text(value)))
            .collect::<Vec<_>>()
            .join("\n"),
        Yaml::Array(items) => items
            .iter()
            .map(serde_yaml_text)
            .collect::<Vec<_>>()
            .join("\n"),
        Yaml::String(text) | Yaml::Real(text) => text.clone(),
        Yaml::Integer(number) => number.to_string(),
        Yaml::Boolean(flag) => flag.to_string(),
        _ => String::new(),
    }
}

/// `kubernetes-validate --strict` from the pinned package, in target/tools/deploy-venv.
fn kubernetes_validate(files: &[&Path]) -> std::process::Output {
    let venv = target().join("tools").join("deploy-venv");
    let tool = venv.join("bin").join("kubernetes-validate");
    std::fs::create_dir_all(venv.parent().unwrap()).unwrap();
    let lock = std::fs::File::create(venv.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    let requirements = deploy("requirements.txt");
    let stamp = venv.join("installed-requirements.txt");
    if !tool.is_file() || std::fs::read(&stamp).ok() != std::fs::read(&requirements).ok() {
        let python = repo().join(".venv/bin/python");
        let python = if python.is_file() {
            python
        } else {
            PathBuf::from("python3")
        };
        let made = Command::new(&python)
            .args(["-m", "venv", "--clear"])
            .arg(&venv)
            .output()
            .unwrap();
        assert!(made.status.success(), "{made:?}");
        let install = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements)
            .output()
            .unwrap();
        assert!(install.status.success(), "pip install: {install:?}");
        std::fs::copy(&requirements, &stamp).unwrap();
    }
    drop(lock);
    Command::new(tool)
        .args(["--strict", "--kubernetes-version", "1.33.0"])
        .args(files)
        .output()
        .unwrap()
}

#[test]
fn the_kubernetes_manifests_pass_their_schemas_which_catch_a_broken_one() {
    let files: Vec<PathBuf> = MANIFESTS.iter().map(|path| deploy(path)).collect();
    let borrowed: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let checked = kubernetes_validate(&borrowed);
    let said = String::from_utf8_lossy(&checked.stdout).into_owned()
        + &String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{said}");
    assert_eq!(said.matches("passed for resource").count(), 3, "{said}");
    let scratch = tempfile::tempdir().unwrap();
    let broken = scratch.path().join("broken.yaml");
    std::fs::write(
        &broken,
        read(&files[0]).replace("backoffLimitPerIndex:", "backoffLimitPerIndx:"),
    )
    .unwrap();
    let checked = kubernetes_validate(&[&broken]);
    assert!(!checked.status.success(), "a misspelt field is caught");
    assert!(String::from_utf8_lossy(&checked.stdout).contains("backoffLimitPerIndx"));
}

#[test]
fn the_kubernetes_job_is_indexed_and_its_shard_count_agrees_with_itself() {
    let docs = yaml(&deploy(MANIFESTS[0]));
    let job = &docs[0];
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_i64().unwrap();
    assert!(spec["parallelism"].as_i64().unwrap() <= completions);
    assert!(spec["backoffLimitPerIndex"].as_i64().unwrap() >= 1);
    let container = &spec["template"]["spec"]["containers"][0];
    let shards = container["env"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|var| var["name"].as_str() == Some("SHARDS"))
        .and_then(|var| var["value"].as_str())
        .unwrap();
    assert_eq!(shards, completions.to_string(), "SHARDS = completions");
    let script = container["args"][0].as_str().unwrap();
    assert!(script.contains("--shard \"$SHARDS\""), "{script}");
    assert!(
        script.contains("--out \"/grades/part-$JOB_COMPLETION_INDEX\""),
        "{script}"
    );
    // Both Jobs mount the volume the manifest claims.
    let claim = docs[1]["metadata"]["name"].as_str().unwrap();
    for path in MANIFESTS {
        let job = &yaml(&deploy(path))[0];
        let volume = &job["spec"]["template"]["spec"]["volumes"][0];
        assert_eq!(
            volume["persistentVolumeClaim"]["claimName"].as_str(),
            Some(claim)
        );
    }
}

#[test]
fn the_containerfile_copies_what_exists_and_runs_the_binary_it_builds() {
    let text = read(&deploy("Containerfile"));
    let mut workdir = String::new();
    let mut copied = 0;
    for line in text.lines().map(str::trim) {
        if let Some(dir) = line.strip_prefix("WORKDIR ") {
            workdir = dir.trim().to_string();
        }
        if let Some(rest) = line.strip_prefix("COPY ") {
            let parts: Vec<&str> = rest.split_whitespace().collect();
            let (sources, _destination) = parts.split_at(parts.len() - 1);
            for source in sources {
                assert!(
                    repo().join(source).exists(),
                    "Containerfile copies {source}, which the course does not have"
                );
                copied += 1;
            }
        }
    }
    assert!(copied >= 8, "{copied} sources");
    assert!(text.contains("cargo build --release --package xtask"));
    assert!(
        text.contains(&format!(
            "ENTRYPOINT [\"{workdir}/target/release/xtask\", \"grade-all\"]"
        )),
        "the entry point is the binary `cargo build --release` makes in {workdir}"
    );
    // Everything the workspace manifest lists as a member is copied in (cargo refuses to build
    // otherwise), except what is left out on purpose: nothing.
    let manifest: toml::Table = read(&repo().join("Cargo.toml")).parse().unwrap();
    for member in manifest["workspace"]["members"].as_array().unwrap() {
        let member = member.as_str().unwrap();
        let top = member.split('/').next().unwrap();
        let copied_as = if top.contains('*') {
            // `*/NN-slug`: the crates of exercises/ and solutions/.
            ["exercises", "solutions"]
                .iter()
                .all(|dir| text.contains(&format!("COPY {dir} {dir}")))
        } else {
            text.contains(&format!("COPY {member} {member}"))
        };
        assert!(copied_as, "the workspace member {member} is not copied");
    }
}

/// The `grade-all` flags a recipe uses.
fn grade_all_flags(text: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for (at, _) in text.match_indices("grade-all") {
        let command: String = text[at..]
            .lines()
            .scan(true, |more, line| {
                let keep = *more;
                *more = line.trim_end().ends_with('\\') || !line.contains(';');
                keep.then(|| line.to_string())
            })
            .take(8)
            .collect::<Vec<_>>()
            .join(" ");
        for word in command.split_whitespace() {
            if let Some(flag) = word.strip_prefix("--") {
                let flag: String = flag
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if !flag.is_empty() {
                    flags.insert(format!("--{flag}"));
                }
            }
        }
    }
    flags
}

#[test]
fn every_grade_all_flag_of_the_recipes_is_one_the_cli_takes() {
    let help = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["grade-all", "--help"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(help.status.success(), "{help:?}");
    let help = String::from_utf8(help.stdout).unwrap();
    let mut used = BTreeSet::new();
    for recipe in [
        "Containerfile",
        WORKFLOW,
        MANIFESTS[0],
        MANIFESTS[1],
        "gradescope/setup.sh",
        "gradescope/run_autograder",
    ] {
        let flags = grade_all_flags(&read(&deploy(recipe)));
        assert!(!flags.is_empty(), "{recipe} runs grade-all");
        for flag in flags {
            assert!(
                help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
                "{recipe} uses {flag}, which `grade-all --help` does not list:\n{help}"
            );
            used.insert(flag);
        }
    }
    for flag in ["--shard", "--merge", "--gradescope-results", "--sandbox"] {
        assert!(used.contains(flag), "{flag}: {used:?}");
    }
    // The scan itself finds a flag that does not exist.
    assert!(grade_all_flags("xtask grade-all --no-such-flag x").contains("--no-such-flag"));
}
