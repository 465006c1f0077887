#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image from the zip that
# `cargo xtask export gradescope FILE.zip` made (unpacked into /autograder/source). It is written
# for Gradescope's own machines: choose the Ubuntu 24.04 base image in the assignment's settings
# (its archive has the `rustup` package; Ubuntu 22.04's has not). rustup then fetches the Rust
# toolchain from its default distribution server, as it does on any machine.
#
# It installs the toolchain (skipped when AUTOGRADER_SETUP_INSTALL=0: the project's own test runs
# the rest on a machine that has it), builds the grader, creates .venv with the pinned maturin and
# pytest, and compiles pyo3 and every exercise once, so grading a submission compiles only the
# student's crates.
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COURSE="$SOURCE/course"
BIN="$SOURCE/bin/xtask"

if [ "${AUTOGRADER_SETUP_INSTALL:-1}" = 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends \
        build-essential ca-certificates git pkg-config python3 python3-dev python3-venv rustup
    rustup default stable
fi
# The distribution's rustup keeps its cargo and rustc proxies in /usr/lib/rustup/bin; rustup's own
# installer in ~/.cargo/bin. run_autograder sets the same PATH.
export PATH="${HOME:-/root}/.cargo/bin:/usr/lib/rustup/bin:$PATH"
if ! command -v cargo > /dev/null; then
    echo "setup.sh: no cargo on PATH after installing the toolchain ($PATH)" >&2
    exit 2
fi

cd "$COURSE"
export COURSE_ROOT="$COURSE"
# The grader: built from the course's own CLI crate. A course copy without it (the project's test
# of this script grades its miniature course) brings bin/xtask along instead.
if [ -f xtask/Cargo.toml ]; then
    cargo build --release --package xtask
    install -D target/release/xtask "$BIN"
fi
if [ ! -x "$BIN" ]; then
    echo "setup.sh: no grader at $BIN (the course has no xtask crate to build it from)" >&2
    exit 2
fi
# A grader running as root runs the sandboxed builds and tests as `nobody`, who must be able to
# read the course (the reference sources stay hidden from the tests by the sandbox itself).
chmod -R o+rX "$SOURCE"
chmod o+x "$(dirname "$SOURCE")"
# .venv, pyo3 and the roster grader's slot, made ready by grading the course's own skeletons the
# way run_autograder grades a submission: later, only the student's changed crates compile.
prebuild="$(mktemp -d)"
trap 'rm -rf "$prebuild"' EXIT
mkdir -p "$prebuild/roster/skeletons"
cp -R exercises Cargo.toml Cargo.lock "$prebuild/roster/skeletons/"
status=0
"$BIN" grade-all --submissions "$prebuild/roster" --out "$prebuild/gradebook" \
    --sandbox "${GRADER_SANDBOX:-best-effort}" || status=$?
if [ "$status" -ne 0 ]; then
    echo "setup.sh: grading the course's skeletons failed (exit $status); see above" >&2
    exit 2
fi
echo "setup.sh: the grader, .venv and pyo3 are ready in $COURSE"
