//! Every number an exercise's README states about its grading matches `exercise.toml`: each speed
//! threshold ("at least **1.6× faster**") is a `min_speedup` of that exercise and each case's
//! threshold is stated; the top README's sample hint count ("Hint 1 of 12") is that exercise's.
//!
//! Where an exercise keeps teaching variants (`solutions/NN-slug/variants/`), their measured
//! speedups live in `variants/measured.toml` (written by `grader/bench/speed_variants.py
//! --write`), and every other speed number of its README (outside code blocks) is a claim about
//! one of them, written `about N×` with N that variant's median rounded to two significant figures
//! (1.93 → 1.9, 22.9 → 23, 211 → 210, 0.0412 → 0.041). A range, a `~N×` or an `N times` is not
//! checkable, so it is refused.
mod common;

use common::repo;
use grader::Catalog;

/// The numbers written as `at least N× faster` (also `**N×**` in bold, or `Nx`).
fn stated_speedups(readme: &str) -> Vec<f64> {
    let mut found = Vec::new();
    for (start, _) in readme.match_indices("at least") {
        let rest = readme[start + "at least".len()..]
            .trim_start()
            .trim_start_matches('*');
        let number: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let after = &rest[number.len()..];
        let Some(after) = after.strip_prefix('×').or_else(|| after.strip_prefix('x')) else {
            continue;
        };
        if after
            .trim_start_matches('*')
            .trim_start()
            .starts_with("faster")
        {
            found.push(number.parse().unwrap());
        }
    }
    found
}

#[test]
fn speed_thresholds_in_readmes_are_the_graders() {
    let catalog = Catalog::load(&repo()).unwrap();
    let mut problems = Vec::new();
    for exercise in &catalog.exercises {
        let path = exercise.dir.join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let stated = stated_speedups(&readme);
        let thresholds: Vec<f64> = exercise.perf.iter().map(|case| case.min_speedup).collect();
        for number in &stated {
            if !thresholds.contains(number) {
                problems.push(format!(
                    "{}: README says at least {number}× faster; exercise.toml's min_speedup: {thresholds:?}",
                    exercise.name()
                ));
            }
        }
        for case in &exercise.perf {
            if !stated.contains(&case.min_speedup) {
                problems.push(format!(
                    "{}: perf case `{}` needs {}×, which the README never states as `at least {}× faster`",
                    exercise.name(),
                    case.name,
                    case.min_speedup,
                    case.min_speedup
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A variant's measured median speedup, from `measured.toml`.
struct Measured {
    name: String,
    median: f64,
}

fn measured(exercise: &grader::Exercise) -> Option<Vec<Measured>> {
    let path = exercise.solution_dir.join("variants").join("measured.toml");
    let text = std::fs::read_to_string(&path).ok()?;
    let table: toml::Table = text
        .parse()
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let variants = table["variant"].as_array().expect("[[variant]] tables");
    Some(
        variants
            .iter()
            .map(|variant| Measured {
                name: variant["name"].as_str().unwrap().to_string(),
                median: variant["median"]
                    .as_float()
                    .or_else(|| variant["median"].as_integer().map(|n| n as f64))
                    .unwrap(),
            })
            .collect(),
    )
}

/// `value` rounded to two significant figures, as README claims are written.
fn two_figures(value: f64) -> f64 {
    if value <= 0.0 {
        return value;
    }
    let scale = 10f64.powi(1 - value.log10().floor() as i32);
    (value * scale).round() / scale
}

/// A speed number in prose: what comes before it (`about`, `at least`, …) and the number.
#[derive(Debug, PartialEq)]
struct Claim {
    before: String,
    number: f64,
    line: usize,
}

/// Every `N×`, `Nx` and `N times faster|slower` outside fenced code blocks, with the words before it.
fn speed_numbers(readme: &str) -> Vec<Claim> {
    let mut claims = Vec::new();
    let mut fenced = false;
    for (index, line) in readme.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut at = 0;
        while at < chars.len() {
            let starts_number = chars[at].is_ascii_digit()
                && (at == 0 || !(chars[at - 1].is_alphanumeric() || chars[at - 1] == '_'));
            if !starts_number {
                at += 1;
                continue;
            }
            let start = at;
            while at < chars.len() && (chars[at].is_ascii_digit() || chars[at] == '.') {
                at += 1;
            }
            let number: String = chars[start..at].iter().collect();
            let rest: String = chars[at..].iter().collect();
            let unit = rest.starts_with('×')
                || (rest.starts_with('x') && !rest[1..].starts_with(|c: char| c.is_alphanumeric()))
                || rest.strip_prefix(" times ").is_some_and(|after| {
                    let after = after.trim_start_matches('*');
                    after.starts_with("faster") || after.starts_with("slower")
                });
            if unit && let Ok(number) = number.trim_end_matches('.').parse::<f64>() {
                let before: String = chars[..start].iter().collect();
                claims.push(Claim {
                    before: before
                        .trim_end()
                        .trim_end_matches('*')
                        .trim_end()
                        .to_string(),
                    number,
                    line: index + 1,
                });
            }
        }
    }
    claims
}

#[test]
fn readme_speed_claims_are_the_measured_variants() {
    let catalog = Catalog::load(&repo()).unwrap();
    let mut problems = Vec::new();
    let mut checked = 0;
    for exercise in &catalog.exercises {
        let Some(variants) = measured(exercise) else {
            continue;
        };
        let path = exercise.dir.join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let thresholds: Vec<f64> = exercise.perf.iter().map(|case| case.min_speedup).collect();
        for claim in speed_numbers(&readme) {
            let place = format!("{}/README.md:{}", exercise.name(), claim.line);
            if claim.before.ends_with("at least") && thresholds.contains(&claim.number) {
                continue; // a threshold, checked above
            }
            if !claim.before.ends_with("about") {
                problems.push(format!(
                    "{place}: `{}×` is neither a threshold (`at least N× faster`) nor a measured claim (`about N×`)",
                    claim.number
                ));
                continue;
            }
            checked += 1;
            if !variants
                .iter()
                .any(|variant| two_figures(variant.median) == claim.number)
            {
                let table: Vec<String> = variants
                    .iter()
                    .map(|v| format!("{} {}×", v.name, two_figures(v.median)))
                    .collect();
                problems.push(format!(
                    "{place}: `about {}×` is no variant's measured median; measured.toml: {}",
                    claim.number,
                    table.join(", ")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        checked > 0,
        "no README states a measured variant's speed any more"
    );
}

/// Each teaching variant declares a speed case of its exercise and a verdict, still applies to
/// the solution, and is in the measured table with that verdict (with the solution itself).
#[test]
fn every_variant_declares_its_case_and_verdict_and_is_measured() {
    let catalog = Catalog::load(&repo()).unwrap();
    let mut problems = Vec::new();
    let mut patches = 0;
    for exercise in &catalog.exercises {
        let dir = exercise.solution_dir.join("variants");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let table: Option<toml::Table> = std::fs::read_to_string(dir.join("measured.toml"))
            .ok()
            .map(|text| text.parse().unwrap());
        let listed = |name: &str| -> Option<String> {
            let variants = table.as_ref()?.get("variant")?.as_array()?;
            let variant = variants.iter().find(|v| v["name"].as_str() == Some(name))?;
            Some(variant["verdict"].as_str()?.to_string())
        };
        if table.is_some() && listed("solution").as_deref() != Some("pass") {
            problems.push(format!(
                "{}: the solution is not measured as `pass`",
                dir.display()
            ));
        }
        let mut paths: Vec<_> = entries.flatten().map(|entry| entry.path()).collect();
        paths.sort();
        for path in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "patch"))
        {
            patches += 1;
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(path).unwrap();
            let field = |key: &str| {
                text.lines()
                    .take_while(|line| !line.starts_with("--- "))
                    .find_map(|line| line.strip_prefix(&format!("# {key}: ")))
                    .map(str::trim)
            };
            let place = path.strip_prefix(repo()).unwrap().display().to_string();
            match field("case") {
                Some(case) if exercise.perf.iter().any(|perf| perf.name == case) => {}
                other => problems.push(format!("{place}: `# case:` {other:?} is no [[perf]] case")),
            }
            let verdict = field("verdict");
            if !matches!(verdict, Some("pass" | "fail")) {
                problems.push(format!(
                    "{place}: `# verdict:` {verdict:?}, not pass or fail"
                ));
            }
            if table.is_some() && listed(&name).as_deref() != verdict {
                problems.push(format!(
                    "{place}: measured.toml lists it as {:?}; rerun grader/bench/speed_variants.py --write",
                    listed(&name)
                ));
            }
            let applies = std::process::Command::new("git")
                .args(["apply", "--check", "-p0"])
                .arg(path)
                .current_dir(&exercise.solution_dir)
                .output()
                .unwrap();
            if !applies.status.success() {
                problems.push(format!(
                    "{place} no longer applies to the solution: {}",
                    String::from_utf8_lossy(&applies.stderr).trim()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(patches > 0, "no solutions/*/variants/*.patch found");
}

#[test]
fn finds_speed_numbers_outside_code_blocks() {
    let text = "runs about 19× faster; about 0.041x, ~6×, 36–50×\n```\nneeds ≥ 8×\n```\n25 times *slower*, 1000 times each, 0x1f, h264, at least **8× faster**";
    let found: Vec<(String, f64)> = speed_numbers(text)
        .into_iter()
        .map(|claim| (claim.before, claim.number))
        .collect();
    assert_eq!(
        found,
        vec![
            ("runs about".into(), 19.0),
            ("runs about 19× faster; about".into(), 0.041),
            ("runs about 19× faster; about 0.041x, ~".into(), 6.0),
            ("runs about 19× faster; about 0.041x, ~6×, 36–".into(), 50.0),
            ("".into(), 25.0),
            (
                "25 times *slower*, 1000 times each, 0x1f, h264, at least".into(),
                8.0
            ),
        ]
    );
    assert_eq!(two_figures(1.93), 1.9);
    assert_eq!(two_figures(22.9), 23.0);
    assert_eq!(two_figures(211.0), 210.0);
    assert_eq!(two_figures(0.0412), 0.041);
}

#[test]
fn the_readmes_sample_hint_count_is_the_exercises() {
    let catalog = Catalog::load(&repo()).unwrap();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut checked = 0;
    for line in readme.lines() {
        let Some((_, rest)) = line.split_once("Hint 1 of ") else {
            continue;
        };
        let (total, command) = rest.split_once(':').unwrap();
        let name = command.split_whitespace().last().unwrap();
        let exercise = catalog.find(name).unwrap();
        assert_eq!(
            total.trim().parse::<usize>().unwrap(),
            exercise.hints.len(),
            "README.md: `{line}`"
        );
        checked += 1;
    }
    assert!(checked > 0, "README.md shows no sample hint line any more");
}

#[test]
fn finds_thresholds_however_they_are_written() {
    assert_eq!(
        stated_speedups("must be at least **1.8× faster**, and at least 40x faster; at least 3 of"),
        vec![1.8, 40.0]
    );
}
