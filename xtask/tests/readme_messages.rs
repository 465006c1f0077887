//! The error messages an exercise requires are in its README, not only in a TODO comment: every
//! `match="…"` of the tests of the exercises listed here (whose messages are the learner's to
//! write) appears, unescaped, in the exercise's README.md.
mod common;

use common::repo;

/// The exercises whose tests match messages the learner's code must produce word for word.
const EXERCISES: [&str; 2] = ["04-syscalls", "05-multimedia"];

/// Every `match="…"` / `match=r"…"` literal in `source`, regex escapes removed.
fn matched_messages(source: &str) -> Vec<String> {
    let mut messages = Vec::new();
    for part in source.split("match=").skip(1) {
        let part = part.strip_prefix('r').unwrap_or(part);
        let Some(rest) = part.strip_prefix('"') else {
            continue;
        };
        if let Some(end) = rest.find('"') {
            messages.push(rest[..end].replace('\\', ""));
        }
    }
    messages
}

#[test]
fn every_message_the_tests_require_is_in_the_readme() {
    for folder in EXERCISES {
        let dir = repo().join("exercises").join(folder);
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        let mut missing = Vec::new();
        let mut found = 0;
        for entry in std::fs::read_dir(dir.join("tests")).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|ext| ext != "py") {
                continue;
            }
            for message in matched_messages(&std::fs::read_to_string(&path).unwrap()) {
                found += 1;
                if !readme.contains(&message) {
                    missing.push(message);
                }
            }
        }
        assert!(found > 0, "{folder}: no match= in its tests");
        assert!(missing.is_empty(), "{folder}/README.md lacks {missing:?}");
    }
}

#[test]
fn messages_are_read_with_their_escapes_removed() {
    let source =
        r#"pytest.raises(ValueError, match=r"seconds must be \>= 0") and match="too large""#;
    assert_eq!(
        matched_messages(source),
        ["seconds must be >= 0", "too large"]
    );
}
