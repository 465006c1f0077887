//! Repository checks that run as ordinary tests: every crate of the course is rustfmt-clean,
//! skeletons included (a learner starts from formatted code).
use std::path::Path;
use std::process::Command;

#[test]
fn every_crate_is_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let Ok(output) = Command::new(env!("CARGO"))
        .args(["fmt", "--all", "--", "--check"])
        .current_dir(root)
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
