//! `cargo xtask book [--serve]`: bring the exercises into the book, check the lesson book's
//! links, build it (or serve it) with mdbook, installing the pinned mdbook first if it is
//! missing, then check every link of the built HTML.
//!
//! The Markdown check needs no mdbook: it parses every Markdown file of `lesson/` with
//! pulldown-cmark and checks that each relative link, image and `{{#include}}` (with its anchor)
//! resolves. `xtask/tests/book_links.rs` runs it over the real book in plain `cargo test -p xtask`.
//!
//! The exercises live outside the book (`exercises/NN-slug/README.md`), where mdbook cannot
//! link to them; `exercise_pages` copies each README to `lesson/src/exercises/NN-slug.md` with its
//! links rewritten for that place (chapters stay links, files of the exercise crate become their
//! repository path). The copies are committed, so the book also builds with plain `mdbook`;
//! a test checks they match the READMEs.
//!
//! The HTML check (`check_html`) tokenizes every page mdbook wrote with html5ever and checks
//! that each relative `href` and `src` names a file of the built book.
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result};
use fs_err as fs;
use pulldown_cmark::{Event, Parser, Tag};
use walkdir::{DirEntry, WalkDir};

/// The mdbook release the book is written and tested with.
pub const MDBOOK_VERSION: &str = "0.5.4";

/// Build (or serve) `<root>/lesson`, reporting broken links first. Exit 1 if a link is broken
/// or mdbook fails.
pub fn run(root: &Path, serve: bool) -> Result<ExitCode> {
    let book = root.join("lesson");
    for page in write_exercise_pages(root)? {
        println!("Refreshed {} from its exercise README", page.display());
    }
    // Broken links are reported but do not stop the build: a reader still gets the book.
    let broken = check_links(&book)?;
    for link in &broken {
        eprintln!("broken link: {link}");
    }
    let mdbook = ensure_mdbook()?;
    let action = if serve { "serve" } else { "build" };
    let status = Command::new(&mdbook)
        .args([action, "lesson"])
        .current_dir(root)
        .status()
        .with_context(|| format!("could not run {}", mdbook.display()))?;
    if !status.success() {
        eprintln!("`mdbook {action} lesson` failed ({status})");
        return Ok(ExitCode::from(1));
    }
    let mut broken_html = Vec::new();
    if !serve {
        let html = book.join("book");
        broken_html = check_html(&html, &book)?;
        for link in &broken_html {
            eprintln!("broken link in the built book: {link}");
        }
        println!("Book built: {}", html.join("index.html").display());
    }
    if !broken.is_empty() || !broken_html.is_empty() {
        eprintln!(
            "{} broken link(s) in {} and {} in its HTML (listed above)",
            broken.len(),
            book.display(),
            broken_html.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// The mdbook to run: the one on PATH, else cargo's bin folder, else install the pinned version.
fn ensure_mdbook() -> Result<PathBuf> {
    let candidates = [
        PathBuf::from("mdbook"),
        cargo_home().join("bin").join("mdbook"),
    ];
    for candidate in &candidates {
        if let Some(version) = mdbook_version(candidate) {
            if version != MDBOOK_VERSION {
                eprintln!(
                    "note: found mdbook {version}; the book is tested with {MDBOOK_VERSION} \
                     (`cargo install mdbook --locked --version {MDBOOK_VERSION}` if it fails)"
                );
            }
            return Ok(candidate.clone());
        }
    }
    eprintln!("{}", install_message());
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["install", "mdbook", "--locked", "--version", MDBOOK_VERSION])
        .status()
        .context("could not run `cargo install mdbook`")?;
    anyhow::ensure!(status.success(), "`cargo install mdbook` failed ({status})");
    let installed = cargo_home().join("bin").join("mdbook");
    anyhow::ensure!(
        mdbook_version(&installed).is_some(),
        "mdbook was installed but {} does not run",
        installed.display()
    );
    Ok(installed)
}

fn install_message() -> String {
    format!(
        "mdbook is not installed. Installing mdbook {MDBOOK_VERSION} now with\n  \
         cargo install mdbook --locked --version {MDBOOK_VERSION}\n\
         It turns the Markdown chapters in lesson/src into the HTML book. This compiles it from \
         source once: about 2-4 minutes on 2 cores; later runs start at once."
    )
}

/// `mdbook --version` prints "mdbook v0.5.4"; None if the program does not run.
fn mdbook_version(program: &Path) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Some(
        text.trim()
            .trim_start_matches("mdbook")
            .trim()
            .trim_start_matches('v')
            .to_string(),
    )
}

fn cargo_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home);
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    home.map(PathBuf::from).unwrap_or_default().join(".cargo")
}

/// One link or include that does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub file: PathBuf,
    pub line: usize,
    pub target: String,
    pub reason: String,
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: `{}`: {}",
            self.file.display(),
            self.line,
            self.target,
            self.reason
        )
    }
}

/// Check every `.md` file under `book_dir` (the book's README and `src/`), skipping mdbook's
/// output folder `book/`. Returns the broken links, sorted by file and line.
pub fn check_links(book_dir: &Path) -> Result<Vec<BrokenLink>> {
    let files = markdown_files(book_dir)?;
    anyhow::ensure!(
        !files.is_empty(),
        "no Markdown files under {}",
        book_dir.display()
    );
    let mut broken = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file)?;
        broken.extend(check_file(file, &text));
    }
    broken.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Ok(broken)
}

/// The `.md` files under `book_dir`, in file-name order, outside the folders that hold no book
/// pages: `book/` is mdbook's output, `examples/`, `tests/` and `target/` are code.
fn markdown_files(book_dir: &Path) -> Result<Vec<PathBuf>> {
    let skipped = |entry: &DirEntry| {
        entry.depth() > 0
            && entry.file_type().is_dir()
            && matches!(
                entry.file_name().to_str(),
                Some("book" | "examples" | "tests" | "target")
            )
    };
    let mut files = Vec::new();
    for entry in WalkDir::new(book_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| !skipped(entry))
    {
        let entry = entry?;
        if !entry.file_type().is_dir() && entry.path().extension().is_some_and(|ext| ext == "md") {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// The broken links and includes of one Markdown file.
pub fn check_file(file: &Path, text: &str) -> Vec<BrokenLink> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut broken = Vec::new();
    let mut report = |offset: usize, target: &str, reason: String| {
        broken.push(BrokenLink {
            file: file.to_path_buf(),
            line: line_of(offset),
            target: target.to_string(),
            reason,
        });
    };

    for (event, range) in Parser::new(text).into_offset_iter() {
        let dest = match &event {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => dest_url.to_string(),
            _ => continue,
        };
        if let Some(reason) = check_link_target(dir, &dest) {
            report(range.start, &dest, reason);
        }
    }

    for (offset, directive) in includes(text) {
        if let Some(reason) = check_include(dir, &directive) {
            report(offset, &directive, reason);
        }
    }
    broken
}

/// Why a link destination does not resolve, or None if it does (or is not ours to check).
fn check_link_target(dir: &Path, dest: &str) -> Option<String> {
    let is_external = dest.contains("://") || dest.starts_with("mailto:");
    let path = dest.split(['#', '?']).next().unwrap_or_default();
    if is_external || path.is_empty() {
        return None; // a web address, or a fragment within the same page
    }
    if path.starts_with('/') {
        return Some(
            "absolute paths break on a code host and in the book: use a relative link".into(),
        );
    }
    let resolved = dir.join(path);
    if resolved.exists() {
        None
    } else {
        Some(format!("{} does not exist", resolved.display()))
    }
}

/// Every `{{#include ...}}` / `{{#rustdoc_include ...}}` directive: (byte offset, argument).
fn includes(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut rest = text;
    let mut base = 0;
    while let Some(start) = rest.find("{{#") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        let body = after[..end].trim();
        let escaped = rest[..start].ends_with('\\'); // `\{{#include}}` is mdbook's escape
        let argument = ["include ", "rustdoc_include "]
            .iter()
            .find_map(|keyword| body.strip_prefix(keyword));
        if let (Some(argument), false) = (argument, escaped) {
            found.push((base + start, argument.trim().to_string()));
        }
        base += start + 3 + end + 2;
        rest = &rest[start + 3 + end + 2..];
    }
    found
}

/// `path`, `path:anchor`, `path:10`, `path:10:20`, `path:10:` or `path::20`.
fn check_include(dir: &Path, argument: &str) -> Option<String> {
    let mut parts = argument.splitn(2, ':');
    let path = parts.next().unwrap_or_default();
    let selector = parts.next();
    let resolved = dir.join(path);
    let Ok(source) = fs::read_to_string(&resolved) else {
        return Some(format!(
            "{} does not exist or is not text",
            resolved.display()
        ));
    };
    let anchor = match selector {
        Some(s) if !s.is_empty() && !s.chars().all(|c| c.is_ascii_digit() || c == ':') => s,
        _ => return None, // whole file or a line range
    };
    let has = |marker: &str| {
        source.lines().any(|line| {
            line.split_once(marker)
                .is_some_and(|(_, name)| name.split_whitespace().next() == Some(anchor))
        })
    };
    match (has("ANCHOR:"), has("ANCHOR_END:")) {
        (true, true) => None,
        (false, _) => Some(format!("no `ANCHOR: {anchor}` in {}", resolved.display())),
        (true, false) => Some(format!(
            "no `ANCHOR_END: {anchor}` in {}",
            resolved.display()
        )),
    }
}

// ---- the exercises as pages of the book ----------------------------------------------------

/// Where the exercise pages go, relative to the repository root.
pub const EXERCISE_PAGES: &str = "lesson/src/exercises";

/// `(page path, page text)` for every `exercises/NN-slug/README.md`, in folder order: the
/// README with its links rewritten to work from `lesson/src/exercises/NN-slug.md`.
pub fn exercise_pages(root: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut slugs: Vec<String> = fs::read_dir(root.join("exercises"))?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("README.md").is_file())
        .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
        .collect();
    slugs.sort();
    let mut pages = Vec::new();
    for slug in slugs {
        let readme = fs::read_to_string(root.join("exercises").join(&slug).join("README.md"))?;
        let page = root.join(EXERCISE_PAGES).join(format!("{slug}.md"));
        pages.push((page, exercise_page(&slug, &readme)));
    }
    Ok(pages)
}

/// Write the exercise pages that are missing or differ from their README; returns those written.
pub fn write_exercise_pages(root: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (path, text) in exercise_pages(root)? {
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
            fs::write(&path, &text)?;
            written.push(path);
        }
    }
    Ok(written)
}

/// One exercise README as a book page. A link into `lesson/src/` becomes a link to that chapter,
/// a link to another exercise README a link to its page, and a link to any other file of the
/// repository (the crate's `src/lib.rs`, its tests) the link text followed by the file's path:
/// those files are not part of the book.
pub fn exercise_page(slug: &str, readme: &str) -> String {
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (event, range) in Parser::new(readme).into_offset_iter() {
        let Event::Start(Tag::Link { dest_url, .. }) = &event else {
            continue;
        };
        let dest = dest_url.to_string();
        if dest.contains("://") || dest.starts_with("mailto:") || dest.starts_with('#') {
            continue;
        }
        let (path, fragment) = match dest.split_once('#') {
            Some((path, fragment)) => (path, format!("#{fragment}")),
            None => (dest.as_str(), String::new()),
        };
        let Some(in_repo) = normalize(&format!("exercises/{slug}/{path}")) else {
            continue; // leaves the repository: the Markdown check reports it
        };
        let source = &readme[range.clone()];
        let replacement = if let Some(chapter) = in_repo.strip_prefix("lesson/src/") {
            format!("../{chapter}{fragment}")
        } else if let Some(other) = in_repo
            .strip_prefix("exercises/")
            .and_then(|rest| rest.strip_suffix("/README.md"))
            .filter(|other| !other.contains('/'))
        {
            format!("{other}.md{fragment}")
        } else {
            // `[text](dest)` → `text (`path`)`; other link forms are left as they are.
            let suffix = format!("]({dest})");
            if let Some(text) = source
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(&suffix))
            {
                edits.push((range, format!("{text} (`{in_repo}`)")));
            }
            continue;
        };
        if let Some(at) = source.rfind(&format!("]({dest})")) {
            let start = range.start + at + 2;
            edits.push((start..start + dest.len(), replacement));
        }
    }
    let mut page = format!(
        "<!-- A copy of exercises/{slug}/README.md for the book, made by `cargo xtask book`:\n     \
         edit the README, not this page. -->\n\n"
    );
    let mut last = 0;
    for (range, replacement) in edits {
        page.push_str(&readme[last..range.start]);
        page.push_str(&replacement);
        last = range.end;
    }
    page.push_str(&readme[last..]);
    page
}

/// `a/b/../c` → `a/c`; None if the path climbs above its start.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

// ---- the built HTML --------------------------------------------------------------------------

/// Every relative `href` and `src` in the HTML pages under `html_dir` (mdbook's output) that
/// names no file, or a file outside `source_dir`. The book is read from the checkout
/// (`lesson/book/index.html`), so a chapter's link to `../examples/kernel/sumsq_c.c` reaches
/// `lesson/examples/` beside the output: `source_dir` is that `lesson/` folder. Links to the
/// web, `mailto:`, `javascript:` and `data:` are not checked, nor fragments within a page.
pub fn check_html(html_dir: &Path, source_dir: &Path) -> Result<Vec<BrokenLink>> {
    let mut pages = Vec::new();
    for entry in WalkDir::new(html_dir).sort_by_file_name() {
        let entry = entry?;
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "html") {
            pages.push(entry.into_path());
        }
    }
    anyhow::ensure!(
        !pages.is_empty(),
        "no HTML pages under {} (was the book built?)",
        html_dir.display()
    );
    let mut broken = Vec::new();
    for page in pages {
        let text = fs::read_to_string(&page)?;
        let dir = page.parent().unwrap_or(html_dir);
        for (line, target) in html_links(&text) {
            if let Some(reason) = check_html_target(source_dir, dir, &target) {
                broken.push(BrokenLink {
                    file: page.clone(),
                    line,
                    target,
                    reason,
                });
            }
        }
    }
    Ok(broken)
}

/// `(line, value)` of every `href` and `src` attribute in an HTML document, except `<base>`'s.
pub fn html_links(html: &str) -> Vec<(usize, String)> {
    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::{
        BufferQueue, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer,
    };
    use std::cell::RefCell;

    struct Links(RefCell<Vec<(usize, String)>>);
    impl TokenSink for Links {
        type Handle = ();
        fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<()> {
            // `<base href>` is not a link but the root the others resolve against; mdbook puts
            // `/` in 404.html, which a web server shows from the book's root, where this page is.
            if let TagToken(tag) = token
                && &*tag.name != "base"
            {
                for attr in &tag.attrs {
                    if matches!(&*attr.name.local, "href" | "src") {
                        let line = usize::try_from(line).unwrap_or(usize::MAX);
                        self.0.borrow_mut().push((line, attr.value.to_string()));
                    }
                }
            }
            TokenSinkResult::Continue
        }
    }

    let tokenizer = Tokenizer::new(Links(RefCell::new(Vec::new())), Default::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// Why one `href`/`src` of a page in `page_dir` names no file under `source_dir`, or None.
fn check_html_target(source_dir: &Path, page_dir: &Path, target: &str) -> Option<String> {
    let lower = target.to_ascii_lowercase();
    let external = ["mailto:", "javascript:", "data:", "tel:", "//"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
        || lower.contains("://");
    let path = target.split(['#', '?']).next().unwrap_or_default();
    if external || path.is_empty() {
        return None;
    }
    if path.starts_with('/') {
        return Some("an absolute path: the book must work from any folder".into());
    }
    let resolved = page_dir.join(path);
    let file = if resolved.is_dir() {
        resolved.join("index.html")
    } else {
        resolved
    };
    let inside = file
        .canonicalize()
        .ok()
        .zip(source_dir.canonicalize().ok())
        .is_some_and(|(file, dir)| file.starts_with(dir));
    match (file.is_file(), inside) {
        (true, true) => None,
        (true, false) => Some(format!(
            "{} is outside {}",
            file.display(),
            source_dir.display()
        )),
        (false, _) => Some(format!("{} does not exist", file.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src/img")).unwrap();
        std::fs::create_dir_all(root.join("examples")).unwrap();
        std::fs::write(root.join("src/img/chart.svg"), "<svg/>").unwrap();
        std::fs::write(
            root.join("examples/demo.rs"),
            "// ANCHOR: good\nfn main() {}\n// ANCHOR_END: good\n// ANCHOR: open\n",
        )
        .unwrap();
        std::fs::write(root.join("src/other.md"), "# Other\n").unwrap();
        dir
    }

    fn broken_targets(root: &Path, text: &str) -> Vec<(usize, String)> {
        let file = root.join("src/chapter.md");
        std::fs::write(&file, text).unwrap();
        check_file(&file, text)
            .into_iter()
            .map(|b| (b.line, b.target))
            .collect()
    }

    #[test]
    fn good_links_and_includes_pass() {
        let dir = fixture();
        let text = "See [other](other.md#top), [here](#local), [web](https://example.org),\n\
                    ![chart](img/chart.svg) and <mailto:a@b.c>.\n\n\
                    ```rust\n{{#include ../examples/demo.rs:good}}\n```\n\
                    {{#include ../examples/demo.rs}} {{#include ../examples/demo.rs:1:2}}\n\
                    [ref]: other.md\n";
        assert_eq!(broken_targets(dir.path(), text), vec![]);
    }

    #[test]
    fn missing_files_are_reported_with_their_line() {
        let dir = fixture();
        let text = "# Title\n\n[gone](missing.md)\n\n![img](img/nope.png)\n[abs](/etc/passwd)\n";
        assert_eq!(
            broken_targets(dir.path(), text),
            vec![
                (3, "missing.md".to_string()),
                (5, "img/nope.png".to_string()),
                (6, "/etc/passwd".to_string()),
            ]
        );
    }

    #[test]
    fn includes_need_the_file_and_both_anchor_markers() {
        let dir = fixture();
        let text = "{{#include ../examples/none.rs}}\n\
                    {{#include ../examples/demo.rs:missing}}\n\
                    {{#include ../examples/demo.rs:open}}\n\
                    {{#rustdoc_include ../examples/demo.rs:good}}\n\
                    \\{{#include ../examples/escaped.rs}}\n";
        let broken = broken_targets(dir.path(), text);
        assert_eq!(
            broken,
            vec![
                (1, "../examples/none.rs".to_string()),
                (2, "../examples/demo.rs:missing".to_string()),
                (3, "../examples/demo.rs:open".to_string()),
            ]
        );
    }

    #[test]
    fn anchor_names_match_whole_words() {
        let dir = fixture();
        // `goo` is a prefix of `good` but not an anchor of its own.
        let broken = broken_targets(dir.path(), "{{#include ../examples/demo.rs:goo}}\n");
        assert_eq!(broken.len(), 1);
    }

    #[test]
    fn check_links_walks_the_book_but_not_its_output() {
        let dir = fixture();
        std::fs::create_dir_all(dir.path().join("book")).unwrap();
        std::fs::write(dir.path().join("book/stale.md"), "[x](nowhere.md)\n").unwrap();
        std::fs::write(dir.path().join("README.md"), "[bad](src/nowhere.md)\n").unwrap();
        let broken = check_links(dir.path()).unwrap();
        assert_eq!(broken.len(), 1);
        assert!(broken[0].file.ends_with("README.md"));
        assert!(
            broken[0]
                .to_string()
                .contains("README.md:1: `src/nowhere.md`: ")
        );
    }

    #[test]
    fn install_message_says_what_why_and_how_long() {
        let message = install_message();
        assert!(message.contains(&format!(
            "cargo install mdbook --locked --version {MDBOOK_VERSION}"
        )));
        assert!(message.contains("minutes"));
        assert!(message.contains("HTML book"));
    }
    #[test]
    fn exercise_pages_rewrite_links_for_the_book() {
        let readme = "# 03 lru\n\nSee [chapter 2](../../lesson/src/ch02-refcounting.md#gc), \
                      [exercise 1](../01-math/README.md), [`src/lib.rs`](src/lib.rs), \
                      [web](https://example.org) and [here](#task).\n";
        let page = exercise_page("03-lru", readme);
        assert!(page.starts_with("<!-- A copy of exercises/03-lru/README.md"));
        assert!(
            page.contains("[chapter 2](../ch02-refcounting.md#gc)"),
            "{page}"
        );
        assert!(page.contains("[exercise 1](01-math.md)"), "{page}");
        assert!(
            page.contains("`src/lib.rs` (`exercises/03-lru/src/lib.rs`)"),
            "{page}"
        );
        assert!(
            page.contains("[web](https://example.org) and [here](#task)"),
            "{page}"
        );
    }

    #[test]
    fn html_links_finds_every_href_and_src_with_its_line() {
        let html = "<html><head><base href=\"/\"><link rel=\"stylesheet\" href=\"css/a.css\">\n\
                    <script src='js/b.js'></script></head>\n\
                    <body><a href=\"ch01.html#top\">x</a><img src=img/c.svg></body></html>";
        assert_eq!(
            html_links(html),
            vec![
                (1, "css/a.css".to_string()),
                (2, "js/b.js".to_string()),
                (3, "ch01.html#top".to_string()),
                (3, "img/c.svg".to_string()),
            ]
        );
    }

    #[test]
    fn check_html_reports_missing_files_and_absolute_paths_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lesson/examples")).unwrap();
        std::fs::write(dir.path().join("lesson/examples/k.c"), "").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "").unwrap();
        let root = &dir.path().join("lesson/book");
        std::fs::create_dir_all(root).unwrap();
        std::fs::create_dir_all(root.join("exercises")).unwrap();
        std::fs::create_dir_all(root.join("css")).unwrap();
        std::fs::write(root.join("css/a.css"), "").unwrap();
        std::fs::write(
            root.join("exercises/01-math.html"),
            "<a href=\"../index.html\">up</a>",
        )
        .unwrap();
        std::fs::write(
            root.join("index.html"),
            "<link href=\"css/a.css\"><a href=\"exercises/01-math.html#task\">ok</a>\n\
             <a href=\"#here\">ok</a><a href=\"https://example.org/x.html\">ok</a>\n\
             <a href=\"mailto:a@b.c\">ok</a><a href=\"exercises/\">dir without index</a>\n\
             <a href=\"../../exercises/01-math/README.html\">gone</a><img src=\"/abs.png\">\n\
             <a href=\"../examples/k.c\">source beside the book</a><a href=\"../../secret.txt\">out</a>\n",
        )
        .unwrap();
        let broken = check_html(root, &dir.path().join("lesson")).unwrap();
        let found: Vec<(usize, &str)> =
            broken.iter().map(|b| (b.line, b.target.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (3, "exercises/"),
                (4, "../../exercises/01-math/README.html"),
                (4, "/abs.png"),
                (5, "../../secret.txt"),
            ]
        );
        assert!(broken[1].reason.contains("does not exist"));
        assert!(
            broken[3].reason.contains("is outside"),
            "{}",
            broken[3].reason
        );
    }

    #[test]
    fn check_html_needs_a_built_book() {
        let dir = tempfile::tempdir().unwrap();
        let error = check_html(dir.path(), dir.path()).unwrap_err().to_string();
        assert!(error.contains("was the book built?"), "{error}");
    }
}
