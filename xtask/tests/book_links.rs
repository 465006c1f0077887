//! The lesson book has no broken internal links or includes. Runs without mdbook.
//! (book.rs is compiled in directly, so this test does not depend on how main.rs wires it.)
#[allow(dead_code)]
#[path = "../src/book.rs"]
mod book;

use std::path::Path;

#[test]
fn lesson_book_links_and_includes_resolve() {
    let lesson = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lesson");
    let lesson = lesson
        .canonicalize()
        .expect("lesson/ exists next to xtask/");
    let broken = book::check_links(&lesson).expect("the lesson folder can be read");
    let report: Vec<String> = broken.iter().map(ToString::to_string).collect();
    assert!(
        report.is_empty(),
        "broken links in the book:\n{}",
        report.join("\n")
    );
}

#[test]
fn every_chapter_in_the_summary_exists_and_is_linked_once() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lesson/src");
    let summary = std::fs::read_to_string(src.join("SUMMARY.md")).expect("SUMMARY.md");
    let mut chapters: Vec<&str> = summary
        .lines()
        .filter_map(|line| {
            line.split_once("](")
                .map(|(_, rest)| rest.trim_end_matches(')'))
        })
        .collect();
    assert!(
        chapters.len() >= 11,
        "introduction + 10 chapters, found {chapters:?}"
    );
    let count = chapters.len();
    chapters.sort();
    chapters.dedup();
    assert_eq!(chapters.len(), count, "a chapter is listed twice");
}

#[test]
fn exercise_readmes_link_back_to_the_lesson_and_every_link_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap();
    let broken = book::check_links(&root.join("exercises")).expect("exercises/ can be read");
    let report: Vec<String> = broken.iter().map(ToString::to_string).collect();
    assert!(
        report.is_empty(),
        "broken links in the exercises:\n{}",
        report.join("\n")
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let broken = book::check_file(&root.join("README.md"), &readme);
    assert!(broken.is_empty(), "broken links in README.md: {broken:?}");
    for entry in std::fs::read_dir(root.join("exercises")).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path().join("README.md")).unwrap();
        assert!(
            text.contains("../../lesson/src/ch"),
            "{} does not point back to the lesson chapter it practises",
            entry.path().display()
        );
    }
}

#[test]
fn exercise_pages_are_in_the_book_and_match_their_readmes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap();
    let pages = book::exercise_pages(&root).expect("exercises/ can be read");
    assert!(
        pages.len() >= 7,
        "one page per exercise, found {}",
        pages.len()
    );
    let summary = std::fs::read_to_string(root.join("lesson/src/SUMMARY.md")).unwrap();
    for (path, text) in &pages {
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == *text,
            "{} is missing or differs from its exercise README: run `cargo xtask book` to \
             refresh it",
            path.display()
        );
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            summary.contains(&format!("](exercises/{name})")),
            "SUMMARY.md does not list exercises/{name}"
        );
    }
    // Chapters link to the pages, not to the READMEs outside the book (those 404 in the HTML).
    for entry in std::fs::read_dir(root.join("lesson/src"))
        .unwrap()
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        assert!(
            !text.contains("../../exercises/"),
            "{} links outside the book to an exercise README; link exercises/NN-slug.md",
            entry.path().display()
        );
    }
}
