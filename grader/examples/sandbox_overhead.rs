//! What running a command through the sandbox costs: the median wall time of 20 runs of `true`
//! outside and inside it (`cargo run -p grader --release --example sandbox_overhead`).
use std::process::Command;
use std::time::Instant;

use grader::{Sandbox, SandboxMode};

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let runs = 20;
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let sandbox = Sandbox::new(SandboxMode::BestEffort).writable(scratch.path());
    println!("protections in force: {}", sandbox.plan().expect("a plan"));
    let mut outside = Vec::new();
    let mut inside = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let status = Command::new("true").status().expect("true runs");
        assert!(status.success());
        outside.push(started.elapsed().as_secs_f64() * 1000.0);
        let started = Instant::now();
        let output = sandbox
            .output(Command::new("true").current_dir(scratch.path()))
            .expect("true runs inside");
        assert!(output.output.status.success(), "{output:?}");
        inside.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let (outside, inside) = (median(outside), median(inside));
    println!(
        "median of {runs} runs of `true`: outside {outside:.2} ms, inside {inside:.2} ms, \
         overhead {:.2} ms",
        inside - outside
    );
}
