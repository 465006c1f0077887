//! The sandbox against hostile programs, for real: each payload is first run outside the sandbox
//! to show it does the harm (so each test can fail), then inside, where the harm must not happen.
//! Payloads are small shell, Python and Rust programs with bounded loops and times. Where this
//! kernel lacks a facility, the test says so and checks that `required` refuses with the reason.
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use grader::{Limits, Protection, Sandbox, SandboxMode, SandboxedOutput, Workspace, probe};

fn venv() -> PathBuf {
    Workspace::from_env(None).venv
}

fn python() -> PathBuf {
    venv().join("bin").join("python")
}

/// Limits small enough for tests.
fn limits() -> Limits {
    Limits {
        memory_bytes: 1 << 30,
        deadline: Duration::from_secs(60),
        ..Limits::default()
    }
}

/// A best-effort policy: the toolchain read-only, `scratch` writable.
fn policy(scratch: &Path) -> Sandbox {
    Sandbox::new(SandboxMode::BestEffort)
        .toolchain(&venv())
        .writable(scratch)
        .limits(limits())
}

/// True when the kernel gives `needed`; otherwise says so, and checks that `required` refuses
/// with a message naming what is missing.
fn supported(needed: &[Protection]) -> bool {
    let support = probe();
    let lacking: Vec<_> = needed
        .iter()
        .filter(|p| !support.available.contains(p))
        .collect();
    if lacking.is_empty() {
        return true;
    }
    eprintln!("this kernel lacks {lacking:?}; only checking that `required` refuses");
    let error = Sandbox::new(SandboxMode::Required)
        .plan()
        .expect_err("required must refuse")
        .to_string();
    for protection in lacking {
        assert!(error.contains(protection.name()), "{error}");
    }
    assert!(error.contains("To enable it"), "{error}");
    false
}

fn inside(sandbox: &Sandbox, command: &mut Command, scratch: &Path) -> SandboxedOutput {
    sandbox
        .output(command.current_dir(scratch))
        .expect("the sandboxed run happens")
}

/// A folder others may read, as a course is (a grader running as root sandboxes as `nobody`).
fn readable_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A Python payload.
fn py(code: &str) -> Command {
    let mut command = Command::new(python());
    command.arg("-c").arg(code);
    command
}

/// Processes whose command line holds `token`.
fn processes_with(token: &str) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline"))
            && text(&cmdline).contains(token)
        {
            found.push(pid);
        }
    }
    found
}

/// Waits (up to 3 s) until no process holds `token`; returns those left.
fn left_with(token: &str) -> Vec<i32> {
    let until = Instant::now() + Duration::from_secs(3);
    loop {
        let left = processes_with(token);
        if left.is_empty() || Instant::now() > until {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn kill_all(pids: &[i32]) {
    for &pid in pids {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

fn token(name: &str) -> String {
    format!("sandbox-test-{name}-{}", std::process::id())
}

#[test]
fn a_connect_to_a_loopback_listener_fails_inside() {
    if !supported(&[Protection::Network]) {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let payload = format!(
        "import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3); print('connected')"
    );
    let outside = py(&payload).output().unwrap();
    assert_eq!(text(&outside.stdout).trim(), "connected", "{outside:?}");
    assert!(
        listener.accept().is_ok(),
        "the listener saw the outside connect"
    );

    let run = inside(&policy(scratch.path()), &mut py(&payload), scratch.path());
    assert!(!run.output.status.success(), "{run:?}");
    assert!(!text(&run.output.stdout).contains("connected"));
    std::thread::sleep(Duration::from_millis(200));
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(error) if error.kind() == std::io::ErrorKind::WouldBlock),
        "no connection may arrive from inside: {accepted:?}"
    );
}

#[test]
fn a_write_outside_the_scratch_folder_fails() {
    if !supported(&[Protection::Filesystem, Protection::Landlock]) {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let marker = elsewhere.path().join("marker");
    let payload = |path: &Path| {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("echo owned > '{}'", path.display()));
        command
    };
    assert!(payload(&marker).status().unwrap().success());
    assert!(marker.exists(), "outside, the payload writes the marker");
    std::fs::remove_file(&marker).unwrap();

    let sandbox = policy(scratch.path());
    let run = inside(&sandbox, &mut payload(&marker), scratch.path());
    assert!(!run.output.status.success(), "{run:?}");
    assert!(
        !marker.exists(),
        "the marker outside the scratch folder stays absent"
    );
    // Read-only is read-only too: the toolchain cannot be changed.
    let in_venv = venv().join("sandbox-test-marker");
    let run = inside(&sandbox, &mut payload(&in_venv), scratch.path());
    assert!(!run.output.status.success(), "{run:?}");
    assert!(!in_venv.exists());
    // The scratch folder is writable.
    let allowed = scratch.path().join("allowed");
    let run = inside(&sandbox, &mut payload(&allowed), scratch.path());
    assert!(run.output.status.success(), "{run:?}");
    assert_eq!(std::fs::read_to_string(&allowed).unwrap(), "owned\n");
}

#[test]
fn reading_a_path_marked_unreadable_fails() {
    if !supported(&[Protection::Filesystem, Protection::Landlock]) {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let course = readable_tempdir();
    let solutions = course.path().join("solutions");
    std::fs::create_dir_all(&solutions).unwrap();
    let secret = solutions.join("answer.txt");
    std::fs::write(&secret, "the hidden answer\n").unwrap();
    std::fs::write(course.path().join("public.txt"), "public\n").unwrap();
    let cat = |path: &Path| {
        let mut command = Command::new("cat");
        command.arg(path);
        command
    };
    let outside = cat(&secret).output().unwrap();
    assert_eq!(text(&outside.stdout), "the hidden answer\n");

    let sandbox = policy(scratch.path())
        .read_only(course.path())
        .hidden(&solutions);
    let run = inside(&sandbox, &mut cat(&secret), scratch.path());
    assert!(!run.output.status.success(), "{run:?}");
    assert!(!text(&run.output.stdout).contains("hidden answer"));
    let run = inside(
        &sandbox,
        &mut cat(&course.path().join("public.txt")),
        scratch.path(),
    );
    assert_eq!(text(&run.output.stdout), "public\n", "{run:?}");
}

/// Double fork with `setsid` in between: the grandchild is a daemon holding `token`.
fn daemon_payload(token: &str) -> Command {
    py(&format!(
        "import os, sys\n\
         if os.fork() == 0:\n\
         \x20   os.setsid()\n\
         \x20   if os.fork() == 0:\n\
         \x20       null = os.open(os.devnull, os.O_RDWR)\n\
         \x20       for fd in (0, 1, 2): os.dup2(null, fd)\n\
         \x20       os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(30)', '{token}'])\n\
         \x20   os._exit(0)\n\
         os.wait()\n\
         print('detached')"
    ))
}

#[test]
fn a_setsid_double_forked_daemon_dies_with_the_run() {
    if !supported(&[Protection::ProcessTree]) {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let token = token("daemon");
    let outside = daemon_payload(&token).output().unwrap();
    assert_eq!(text(&outside.stdout).trim(), "detached");
    // The grandchild may still be on its way to exec.
    let until = Instant::now() + Duration::from_secs(3);
    let mut survivors = processes_with(&token);
    while survivors.is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
        survivors = processes_with(&token);
    }
    kill_all(&survivors);
    assert!(
        !survivors.is_empty(),
        "outside, the daemon outlives its parent"
    );

    let run = inside(
        &policy(scratch.path()),
        &mut daemon_payload(&token),
        scratch.path(),
    );
    assert_eq!(text(&run.output.stdout).trim(), "detached", "{run:?}");
    let left = left_with(&token);
    kill_all(&left);
    assert!(left.is_empty(), "nothing survives the run: {left:?}");
}

/// Forks up to `count` sleepers holding `token`, reports how many it made.
fn fork_bomb(count: u32, token: &str) -> Command {
    py(&format!(
        "import os, sys\n\
         made = 0\n\
         for _ in range({count}):\n\
         \x20   try:\n\
         \x20       pid = os.fork()\n\
         \x20   except OSError:\n\
         \x20       break\n\
         \x20   if pid == 0:\n\
         \x20       null = os.open(os.devnull, os.O_RDWR)\n\
         \x20       for fd in (0, 1, 2): os.dup2(null, fd)\n\
         \x20       try:\n\
         \x20           os.execv('/bin/sleep', ['sleep-{token}', '30'])\n\
         \x20       finally:\n\
         \x20           os._exit(1)\n\
         \x20   made += 1\n\
         print(made)"
    ))
}

#[test]
fn a_fork_bomb_is_stopped_by_the_process_limit_and_leaves_nothing() {
    if !supported(&[Protection::Limits, Protection::ProcessTree]) {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let token = token("forkbomb");
    let limit = 32;
    let outside = fork_bomb(limit as u32 + 8, &token).output().unwrap();
    // The last children may still be on their way to exec.
    let until = Instant::now() + Duration::from_secs(3);
    let mut survivors = processes_with(&token);
    while (survivors.len() as u64) < limit + 8 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
        survivors = processes_with(&token);
    }
    kill_all(&survivors);
    assert_eq!(text(&outside.stdout).trim(), (limit + 8).to_string());
    assert!(survivors.len() as u64 > limit, "outside, nothing stops it");

    let sandbox = policy(scratch.path()).limits(Limits {
        processes: limit,
        ..limits()
    });
    let run = inside(&sandbox, &mut fork_bomb(2000, &token), scratch.path());
    let made: u64 = text(&run.output.stdout).trim().parse().unwrap_or(0);
    assert!(
        made < limit,
        "the process limit stopped it at {made}: {run:?}"
    );
    let left = left_with(&token);
    kill_all(&left);
    assert!(left.is_empty(), "nothing survives the run: {left:?}");
}

/// Allocates 64 MiB at a time up to `mib`, reports how far it got.
fn memory_bomb(mib: u32) -> Command {
    py(&format!(
        "held = []\n\
         try:\n\
         \x20   while len(held) * 64 < {mib}:\n\
         \x20       held.append(bytearray(64 << 20))\n\
         except MemoryError:\n\
         \x20   pass\n\
         print(len(held) * 64)"
    ))
}

#[test]
fn a_memory_bomb_is_stopped_by_the_memory_limit() {
    if !supported(&[Protection::Limits]) {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let outside = memory_bomb(512).output().unwrap();
    assert_eq!(text(&outside.stdout).trim(), "512", "{outside:?}");

    let sandbox = policy(scratch.path()).limits(Limits {
        memory_bytes: 256 << 20,
        ..limits()
    });
    let run = inside(&sandbox, &mut memory_bomb(512), scratch.path());
    let reached: u32 = text(&run.output.stdout).trim().parse().unwrap_or(0);
    assert!(
        reached < 256,
        "the memory limit stopped it at {reached} MiB: {run:?}"
    );
}

#[test]
fn an_output_flood_is_capped_and_the_cap_is_said() {
    let scratch = tempfile::tempdir().unwrap();
    let flood = || py("import sys\nfor _ in range(64): sys.stdout.write('x' * 65536)");
    let outside = flood().output().unwrap();
    assert_eq!(outside.stdout.len(), 64 * 65536);

    let cap = 100_000;
    let sandbox = policy(scratch.path()).limits(Limits {
        output_bytes: cap,
        ..limits()
    });
    let run = inside(&sandbox, &mut flood(), scratch.path());
    assert!(run.output.status.success(), "{run:?}");
    let cap_at = cap as usize;
    assert!(run.output.stdout[..cap_at].iter().all(|&byte| byte == b'x'));
    assert_ne!(run.output.stdout[cap_at], b'x', "only the cap is kept");
    assert_eq!(run.dropped_bytes, 64 * 65536 - cap);
    assert!(
        text(&run.output.stdout).contains("bytes of output were dropped"),
        "the cut is said: {}",
        text(&run.output.stdout[run.output.stdout.len() - 200..])
    );
}

#[test]
fn a_stdin_read_gets_end_of_file() {
    let scratch = tempfile::tempdir().unwrap();
    let reader = || py("import sys; print(len(sys.stdin.read()))");
    // Outside, with a stdin that stays open, the read blocks.
    let mut outside = reader().stdin(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let still_running = outside.try_wait().unwrap().is_none();
    outside.kill().unwrap();
    outside.wait().unwrap();
    assert!(still_running, "outside, the read waits for input");

    let started = Instant::now();
    let run = inside(&policy(scratch.path()), &mut reader(), scratch.path());
    assert_eq!(text(&run.output.stdout).trim(), "0", "{run:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_hang_is_killed_at_the_deadline() {
    let scratch = tempfile::tempdir().unwrap();
    let token = token("hang");
    let hang = || py(&format!("import time, sys; time.sleep(30) # {token}"));
    let mut outside = hang().spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let still_running = outside.try_wait().unwrap().is_none();
    outside.kill().unwrap();
    outside.wait().unwrap();
    assert!(still_running, "outside, it hangs");

    let sandbox = policy(scratch.path()).limits(Limits {
        deadline: Duration::from_secs(1),
        ..limits()
    });
    let started = Instant::now();
    let run = inside(&sandbox, &mut hang(), scratch.path());
    assert!(run.timed_out, "{run:?}");
    assert!(!run.output.status.success());
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        text(&run.output.stderr).contains("killed at the deadline"),
        "{run:?}"
    );
    let left = left_with(&token);
    kill_all(&left);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn include_str_of_an_unreadable_file_does_not_compile() {
    if !supported(&[Protection::Filesystem, Protection::Landlock]) {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let course = readable_tempdir();
    let solutions = course.path().join("solutions");
    std::fs::create_dir_all(solutions.join("src")).unwrap();
    let secret = solutions.join("src").join("lib.rs");
    std::fs::write(&secret, "// the reference solution\n").unwrap();
    let krate = scratch.path().join("peek");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        "[package]\nname = \"peek\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        krate.join("src").join("lib.rs"),
        format!(
            "pub const SOLUTION: &str = include_str!({:?});\n",
            secret.display().to_string()
        ),
    )
    .unwrap();
    let build = |target: &Path| {
        let mut command = Command::new("cargo");
        command
            .args(["build", "--offline", "--quiet"])
            .current_dir(&krate)
            .env("CARGO_TARGET_DIR", target)
            .env_remove("RUSTC_WRAPPER");
        command
    };
    let outside = build(&scratch.path().join("target-outside"))
        .output()
        .unwrap();
    assert!(
        outside.status.success(),
        "outside, it compiles: {outside:?}"
    );

    let sandbox = policy(scratch.path())
        .read_only(course.path())
        .hidden(&solutions);
    let run = inside(&sandbox, &mut build(&scratch.path().join("target")), &krate);
    assert!(!run.output.status.success(), "{run:?}");
    let said = text(&run.output.stderr);
    assert!(said.contains("couldn't read"), "{said}");
    assert!(said.contains("lib.rs"), "{said}");
}

#[test]
fn every_protection_is_available_or_explained() {
    let support = probe();
    for protection in Protection::ALL {
        let missing = support.missing.iter().find(|m| m.protection == protection);
        assert!(
            support.available.contains(&protection) != missing.is_some(),
            "{protection}: {support:?}"
        );
        if let Some(missing) = missing {
            assert!(!missing.fix.is_empty(), "{missing:?}");
        }
    }
    eprintln!("sandbox support here: {support:?}");
}

#[test]
fn a_run_records_the_protections_in_force() {
    let scratch = tempfile::tempdir().unwrap();
    let sandbox = policy(scratch.path());
    let run = inside(&sandbox, &mut Command::new("true"), scratch.path());
    assert!(run.output.status.success(), "{run:?}");
    assert_eq!(run.in_force.protections, probe().available);
    let mut buffer = String::new();
    std::io::Cursor::new(run.in_force.to_string())
        .read_to_string(&mut buffer)
        .unwrap();
    assert!(!buffer.is_empty());
}

/// A private copy of the fixture course with only the exercises named, readable by others.
fn fixture_course(only: &[&str]) -> tempfile::TempDir {
    let dir = readable_tempdir();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/course");
    for entry in walkdir::WalkDir::new(&source) {
        let entry = entry.unwrap();
        let relative = entry.path().strip_prefix(&source).unwrap();
        let parts: Vec<_> = relative.components().collect();
        if parts.len() >= 2
            && parts[0].as_os_str() == "exercises"
            && !only.iter().any(|name| parts[1].as_os_str() == *name)
        {
            continue;
        }
        if parts
            .iter()
            .any(|part| part.as_os_str() == "target" || part.as_os_str() == "__pycache__")
        {
            continue;
        }
        let to = dir.path().join(relative);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755)).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

/// The engine's hook end to end: cargo (offline), maturin and pytest of a fixture crate, each in
/// the sandbox, with the course read-only and its solutions unreadable during the build. It
/// builds pyo3 in a scratch target (the repository's is not handed to `nobody`): a minute or more.
#[test]
fn the_engine_builds_and_tests_submissions_in_the_sandbox() {
    use grader::{
        CheckName, CheckPlan, Engine, Job, Outcome, Quiet, Sandboxes, Settings, Status, Variant,
    };
    if !supported(&Protection::ALL) {
        return;
    }
    let course = fixture_course(&["00-passes", "02-nocompile"]);
    // The course is read-only inside: its Cargo.lock must already match its members.
    let locked = Command::new("cargo")
        .args(["metadata", "--offline", "--format-version", "1"])
        .current_dir(course.path())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(locked.success());
    let target = tempfile::tempdir().unwrap();
    let mut workspace = Workspace::from_env(Some(course.path().to_path_buf()));
    workspace.venv = venv();
    workspace.target_dir = target.path().to_path_buf();
    let base = Sandbox::new(SandboxMode::Required)
        .toolchain(&workspace.venv)
        .read_only(course.path())
        .read_only(&workspace.python_support)
        .writable(target.path())
        .limits(limits());
    // The build compiles pyo3 cold in the scratch target: minutes on a busy machine, so it gets
    // the deadline a real build gets ([`Limits::default`]), not the tests' short one.
    let build = base
        .clone()
        .hidden(course.path().join("solutions"))
        .limits(Limits {
            deadline: Limits::default().deadline,
            ..limits()
        });
    let settings = Settings {
        hidden_tests: Some(course.path().to_path_buf()),
        sandbox: Some(Sandboxes {
            build: std::sync::Arc::new(build),
            tests: std::sync::Arc::new(base),
        }),
        ..Settings::default()
    };
    let engine = Engine::open_in(workspace, None, settings, &mut Quiet).unwrap();
    let jobs: Vec<Job> = (0..engine.catalog().exercises.len())
        .map(|exercise| Job {
            exercise,
            variant: Variant::Learner,
            plan: CheckPlan::FULL,
        })
        .collect();
    let outcomes = engine.run(&jobs, &mut Quiet);
    let summaries: Vec<String> = outcomes
        .iter()
        .map(|outcome| match outcome {
            Outcome::Graded(report) => {
                let tests = report
                    .verdict
                    .checks
                    .iter()
                    .find(|check| check.name == CheckName::Tests)
                    .map(|check| check.summary.clone())
                    .unwrap_or_default();
                format!("{:?} {tests}", report.verdict.status)
            }
            other => format!("{other:?}"),
        })
        .collect();
    // 00-passes passes its public tests and fails its hidden one on purpose: the hidden tests,
    // unreadable to the build, ran in the test stage.
    assert_eq!(
        summaries,
        [
            format!("{:?} 3/4", Status::Failed),
            format!("{:?} not run: the build failed", Status::BuildFailed)
        ],
        "{outcomes:#?}"
    );
}

/// The memory check resets the process's peak resident set through /proc/self/clear_refs (see
/// lessongrader/memory.py): the sandbox lets a process write its own /proc files, and nothing else
/// of /proc, so a submission's memory check is measured as in `cargo xtask check`.
#[test]
fn a_sandboxed_process_may_reset_its_own_peak_memory_and_no_more_of_proc() {
    if !supported(&[Protection::Filesystem, Protection::Landlock]) {
        return;
    }
    let scratch = readable_tempdir();
    let sandbox = policy(scratch.path());
    let run = inside(
        &sandbox,
        &mut py("open('/proc/self/clear_refs', 'w').write('5')\n\
             try:\n    open('/proc/sys/kernel/hostname', 'w').write('owned')\n\
             except OSError as error:\n    print('refused', type(error).__name__)\n"),
        scratch.path(),
    );
    let stdout = text(&run.output.stdout);
    assert!(run.output.status.success(), "{run:?}");
    assert!(stdout.contains("refused"), "{run:?}");
}
