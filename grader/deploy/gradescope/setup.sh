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
    rustup component add --toolchain stable rustc cargo
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
# .venv, pyo3 and every exercise's reference crate, built once into target/ (exit 1 only says
# that something did not pass; 2 is the grader failing).
status=0
"$BIN" grade-all --solutions --format json > "$SOURCE/setup-prebuild.json" || status=$?
if [ "$status" -ge 2 ]; then
    echo "setup.sh: prebuilding the course failed (exit $status); see above" >&2
    exit "$status"
fi
echo "setup.sh: the grader, .venv and pyo3 are ready in $COURSE"
