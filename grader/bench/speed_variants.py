#!/usr/bin/env python3
"""Does every speed case separate the approaches its exercise teaches, with a verdict that holds?

Every exercise with a speed case keeps its teaching variants beside the reference solution, as
patches against it: `solutions/NN-slug/variants/<name>.patch`, each with a header that declares
its case and the verdict it must get:

    # VARIANT: a PyDict updated word by word — a PyString, a get_item and a set_item per word.
    # case: word_counts
    # verdict: fail

For each exercise this benchmark builds the solution and every variant (the patch applied to a
copy of the solution crate in a scratch workspace, built in release into the course's target/ as
the grader builds), then runs the real perf protocol on each, in a fresh interpreter per run
(`python -m lessongrader.perf run CONFIG`, see perf_stability.py), RUNS times idle and RUNS times
with one core kept busy by a spinning child process it starts and stops itself. The verdict is the
grader's (grader/src/checks.rs): passed when the reported speedup reaches the threshold; a failure
less than 15 % under the threshold, or whose ratios' confidence interval reaches it, is `close`.

It prints per variant its declared verdict, median speedup, lowest and highest run, passes and
failures (and close ones) idle and busy, and flips (runs whose verdict is not the declared one);
per case, the slowest variant meant to pass and the fastest meant to fail with their gaps from
the threshold. Bars (exit 1 when one is missed): no flip at all, and both gaps at least 25 %.

`--threshold-shift +12` (or -12, 0): the solution only, with its threshold moved to 12 % below
(+12: every run must pass) or above (-12: every run must fail) what it measures, or onto it (0:
every failure must be a close one). What it measures drifts on a shared machine, by more than 12 %
within twenty minutes, so the shifts are interleaved run by run, and each run's threshold follows
the median of the solution's last WINDOW runs under the same load (10 calibration runs start each
load). `--fixed-calibration` takes one median of 10 idle + 10 busy runs for the whole benchmark.

`--write` stores the variants' medians in `solutions/NN-slug/variants/measured.toml`, where
xtask/tests/readme_numbers.rs checks that every README number about a variant's speed is one of
them. Do not write from a reduced or noisy run.

    .venv/bin/python grader/bench/speed_variants.py                       # everything, 20 + 20 runs
    .venv/bin/python grader/bench/speed_variants.py --exercise 02 --runs 3   # a quick look
    .venv/bin/python grader/bench/speed_variants.py --threshold-shift +12 --threshold-shift -12

Timing on a machine where others build is noise: run the full benchmark on a quiet one.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perf_stability  # noqa: E402  (the builder, the busy core and one run of the protocol)

ROOT = perf_stability.ROOT
LOADS = ("idle", "one core busy")
GAP = 0.25  # the slowest variant meant to pass and the fastest meant to fail: this far out
# The grader's close band (grader/src/checks.rs CLOSE_BAND, perf.py RETRY_BAND).
CLOSE_BAND = 0.15
SHIFT = 0.12
CALIBRATION_RUNS = 10  # per load
WINDOW = 9  # the solution's latest runs under one load that a shifted threshold follows
# The variants' builds have a target/ of their own. In the course's, a variant (a member at the
# same relative path, so with the same fingerprint) would overwrite the solution's build, and the
# grader could then package a variant for `check --solution`.
TARGET_DIR = ROOT / "target" / "speed-variants"
# A variant 25 times slower than Python (exercise 3's `find` over every entry) takes a minute a run
# on a busy core: the protocol's own early stop still calls it six times.
perf_stability.RUN_TIMEOUT_SECONDS = 600


@dataclass
class Variant:
    """The solution, or the solution with one patch applied, and the verdict it must get."""

    exercise: str  # "02-strings"
    name: str  # "solution" or the patch's name
    case: str
    expected: str  # "pass" or "fail"
    description: str
    patch: Path | None = None
    subject: perf_stability.Subject | None = None
    runs: dict = field(default_factory=dict)  # load -> [record or None]


# --------------------------------------------------------------------------------------------------
# Declared variants


def parse_header(path):
    """The `# key: value` lines before the diff; `case` and `verdict` are required."""
    header = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("--- "):
            break
        match = re.match(r"#\s*([A-Za-z]+):\s*(.*)", line)
        if match:
            header[match.group(1).lower()] = match.group(2).strip()
    for key in ("case", "verdict"):
        if key not in header:
            raise SystemExit(f"{path}: no `# {key}:` line in the header")
    if header["verdict"] not in ("pass", "fail"):
        raise SystemExit(f"{path}: `# verdict: {header['verdict']}` must be `pass` or `fail`")
    return header


def declared(folder):
    """The solution (meant to pass every case) and every variant of `solutions/<folder>`."""
    exercise = tomllib.loads((ROOT / "exercises" / folder / "exercise.toml").read_text())
    cases = {case["name"] for case in exercise.get("perf") or []}
    variants = [Variant(folder, "solution", case, "pass", "the reference solution") for case in sorted(cases)]
    for patch in sorted((ROOT / "solutions" / folder / "variants").glob("*.patch")):
        header = parse_header(patch)
        if header["case"] not in cases:
            raise SystemExit(f"{patch}: case `{header['case']}` is not a [[perf]] case of {folder}")
        variants.append(
            Variant(folder, patch.stem, header["case"], header["verdict"], header.get("variant", ""), patch)
        )
    return exercise, variants


def exercises_with_variants(wanted):
    folders = sorted(path.parent.parent.name for path in ROOT.glob("solutions/*/variants/*.patch"))
    folders = sorted(set(folders))
    if wanted:
        chosen = [f for f in folders if any(f == w or f.startswith(w.zfill(2) + "-") for w in wanted)]
        missing = [w for w in wanted if not any(f == w or f.startswith(w.zfill(2) + "-") for f in folders)]
        if missing:
            raise SystemExit(f"no solutions/*/variants/ for {', '.join(missing)} (have: {', '.join(folders)})")
        return chosen
    return folders


# --------------------------------------------------------------------------------------------------
# Building a variant: the solution crate copied into a scratch workspace, the patch applied


def scratch_workspace(scratch):
    """A workspace of its own whose members are the copied crates; the course's dependencies and
    lock file, so nothing new is resolved and pyo3's build in target/ is shared."""
    workspace = scratch / "workspace"
    workspace.mkdir()
    manifest = (ROOT / "Cargo.toml").read_text()
    manifest = re.sub(r"(?m)^members = .*$", 'members = ["solutions/*"]', manifest)
    manifest = re.sub(r"(?m)^(default-members|exclude) = .*\n", "", manifest)
    (workspace / "Cargo.toml").write_text(manifest)
    shutil.copy(ROOT / "Cargo.lock", workspace / "Cargo.lock")
    return workspace


def prepare(variant, workspace, python, scratch):
    crate = workspace / "solutions" / variant.exercise
    if crate.exists():
        shutil.rmtree(crate)
    source = ROOT / "solutions" / variant.exercise
    shutil.copytree(
        source, crate, ignore=shutil.ignore_patterns("variants", "mistakes", "tests_hidden", "target")
    )
    if variant.patch:
        applied = subprocess.run(
            ["git", "apply", "-p0", str(variant.patch)], cwd=crate, capture_output=True, text=True
        )
        if applied.returncode != 0:
            raise SystemExit(f"{variant.patch} does not apply: {applied.stderr.strip()}")
    # copytree keeps the sources' old times: cargo would take the last variant's build for fresh.
    for path in (crate / "src").rglob("*"):
        os.utime(path)
    subject = perf_stability.Subject(
        f"{variant.exercise} {variant.name}", crate, ROOT / "exercises" / variant.exercise,
        "passed" if variant.expected == "pass" else "failed",
    )
    # perf_stability.build names its folders after the crate; give every variant its own.
    own = scratch / f"{variant.exercise}-{variant.name}"
    own.mkdir()
    perf_stability.build(subject, python, own, TARGET_DIR)
    subject.cases = [case for case in subject.cases if case["name"] == variant.case]
    variant.subject = subject


# --------------------------------------------------------------------------------------------------
# Measuring


def measure(variants, runs, python, scratch, loads=LOADS, threshold=None):
    """RUNS fresh-interpreter perf checks per variant and load, variants interleaved so that a
    drift in load hits them alike. `threshold` overrides the case's min_speedup."""
    for variant in variants:
        if threshold is not None:
            variant.subject.cases = [dict(case, min_speedup=threshold) for case in variant.subject.cases]
    for load in loads:
        with perf_stability.busy_core(python, enabled=load != "idle"):
            print(f"{load}: {runs} runs of {len(variants)} subjects ", end="", flush=True)
            for variant in variants:
                variant.runs[load] = []
            for index in range(runs):
                for variant in variants:
                    variant.runs[load].append(measure_once(variant.name, variant.subject, python, scratch, index))
                print(".", end="", flush=True)
            print(flush=True)


def measure_once(name, subject, python, scratch, index):
    """One fresh-interpreter perf check: its record, or None (said on the way) when not measured."""
    run = perf_stability.run_once(subject, python, scratch, index)
    record = run.records[0] if run.records and not run.problem else None
    if outcome(record) == "error":
        why = run.problem or (record or {}).get("message") or "no record"
        print(f"\n  {name}: not measured: {why}", flush=True)
        return None
    return record


def outcome(record):
    """The grader's decision: `passed`, `failed` (`close` when within the band) or `error`."""
    if record is None or record.get("outcome") != "measured":
        return "error"
    if record["speedup"] >= record["threshold"]:
        return "passed"
    near = record["speedup"] >= (1.0 - CLOSE_BAND) * record["threshold"]
    reaches = record.get("ci_high") is not None and record["ci_high"] >= record["threshold"]
    return "close" if near or reaches else "failed"


def speedups(variant):
    return [
        record["speedup"]
        for load in variant.runs
        for record in variant.runs[load]
        if outcome(record) != "error"
    ]


def flips(variant):
    wanted = "passed" if variant.expected == "pass" else "failed"
    return sum(
        1
        for load in variant.runs
        for record in variant.runs[load]
        if outcome(record).replace("close", "failed") != wanted
    )


# --------------------------------------------------------------------------------------------------
# Reports


def variant_table(variants, thresholds):
    problems = []
    print(f"\n{'variant':<32}{'must':>6}{'median':>9}{'min–max':>16}   {'idle p/f(close)':>16}"
          f"{'busy p/f(close)':>17}{'flips':>7}")
    for variant in variants:
        values = speedups(variant)
        counts = []
        for load in LOADS:
            outcomes = [outcome(r) for r in variant.runs.get(load, [])]
            fails = outcomes.count("failed") + outcomes.count("close")
            errors = outcomes.count("error")
            cell = f"{outcomes.count('passed')}/{fails}({outcomes.count('close')})"
            counts.append(cell + (f" e{errors}" if errors else ""))
        if values:
            spread = f"{min(values):.3g}–{max(values):.3g}"
            median = f"{statistics.median(values):.3g}×"
        else:
            spread, median = "—", "—"
        flipped = flips(variant)
        print(f"{variant.exercise[:2]} {variant.name:<29}{variant.expected:>6}{median:>9}{spread:>16}   "
              f"{counts[0]:>16}{counts[1]:>17}{flipped:>7}")
        if flipped:
            problems.append(f"{variant.exercise} {variant.name}: {flipped} runs against its `{variant.expected}`")
    print(f"\n{'case':<28}{'needs':>8}   {'slowest meant to pass (gap)':<40}fastest meant to fail (gap)")
    for (folder, case), threshold in thresholds.items():
        members = [v for v in variants if v.exercise == folder and v.case == case and speedups(v)]
        passing = [v for v in members if v.expected == "pass"]
        failing = [v for v in members if v.expected == "fail"]
        line = f"{folder[:2]} {case:<25}{threshold:>7g}×   "
        if passing:
            slow = min(passing, key=lambda v: statistics.median(speedups(v)))
            factor = statistics.median(speedups(slow)) / threshold
            line += f"{slow.name} {statistics.median(speedups(slow)):.3g}× ({factor:.2f}× over)".ljust(40)
            if factor < 1.0 + GAP:
                problems.append(
                    f"{folder} {case}: {slow.name} is only {factor:.2f}× the threshold (needs ≥ {1 + GAP:.2f}×)"
                )
        else:
            line += "—".ljust(40)
        if failing:
            fast = max(failing, key=lambda v: statistics.median(speedups(v)))
            factor = threshold / statistics.median(speedups(fast))
            line += f"{fast.name} {statistics.median(speedups(fast)):.3g}× ({factor:.2f}× under)"
            if factor < 1.0 + GAP:
                problems.append(
                    f"{folder} {case}: {fast.name} is only 1/{factor:.2f} of the threshold (needs ≥ {1 + GAP:.2f}× under)"
                )
        else:
            line += "— (no variant meant to fail)"
        print(line)
    return problems


def shift_report(variant, shift, threshold, records=None):
    if records is None:
        records = [r for load in LOADS for r in variant.runs.get(load, [])]
    outcomes = [outcome(r) for r in records]
    passed = outcomes.count("passed")
    close = outcomes.count("close")
    failed = outcomes.count("failed")
    errors = outcomes.count("error")
    print(f"  {variant.exercise} {variant.case}: threshold {threshold} ({shift:+d} %): "
          f"{passed} passed, {close} failed close, {failed} failed far, {errors} errors")
    problems = []
    if errors:
        problems.append(f"{variant.exercise} shift {shift:+d}: {errors} errors")
    if shift > 0 and passed != len(outcomes):
        problems.append(f"{variant.exercise} shift {shift:+d}: {len(outcomes) - passed} runs did not pass")
    if shift < 0 and passed:
        problems.append(f"{variant.exercise} shift {shift:+d}: {passed} runs passed")
    if shift == 0 and failed:
        problems.append(f"{variant.exercise} shift 0: {failed} failures did not say how close they were")
    return problems


def fixed_shifts(variant, options, scratch):
    """Every shift against one median, taken first under both loads (idle runs alone measure
    faster: exercise 5, 218× idle, about 190× over both loads)."""
    measure([variant], CALIBRATION_RUNS, options.python, scratch)
    median = statistics.median(speedups(variant))
    print(f"  {variant.case}: the solution measures {median:.3g}× "
          f"(median of {CALIBRATION_RUNS} idle + {CALIBRATION_RUNS} busy)")
    problems = []
    for shift in options.threshold_shift:
        threshold = median * (1.0 - shift / 100.0)
        measure([variant], options.runs, options.python, scratch, threshold=threshold)
        problems += shift_report(variant, shift, f"{threshold:.3g}×")
    return problems


def rolling_shifts(variant, options, scratch):
    """The shifts interleaved run by run; each run's threshold is shifted from the median of the
    solution's last WINDOW runs under the same load, those of every shift included (a run's
    speedup does not depend on its threshold)."""
    case = variant.subject.cases[0]
    by_shift = {shift: [] for shift in options.threshold_shift}
    thresholds = {shift: [] for shift in options.threshold_shift}
    for load in LOADS:
        with perf_stability.busy_core(options.python, enabled=load != "idle"):
            recent = []
            print(f"{load}: {CALIBRATION_RUNS} + {options.runs} × {len(by_shift)} runs ", end="", flush=True)
            for index in range(CALIBRATION_RUNS + options.runs * len(by_shift)):
                calibrating = index < CALIBRATION_RUNS
                shift = None if calibrating else options.threshold_shift[index % len(by_shift)]
                threshold = float(case["min_speedup"])
                if shift is not None:
                    threshold = statistics.median(recent[-WINDOW:]) * (1.0 - shift / 100.0)
                variant.subject.cases = [dict(case, min_speedup=threshold)]
                record = measure_once("solution", variant.subject, options.python, scratch, index)
                if record is not None:
                    recent.append(record["speedup"])
                if shift is not None:
                    by_shift[shift].append(record)
                    thresholds[shift].append(threshold)
                print(".", end="", flush=True)
            print(flush=True)
    variant.subject.cases = [case]
    problems = []
    for shift, records in by_shift.items():
        values = thresholds[shift]
        problems += shift_report(variant, shift, f"{min(values):.3g}–{max(values):.3g}× (rolling)", records)
    return problems


def write_measured(folder, variants, runs):
    lines = [
        "# Written by grader/bench/speed_variants.py --write: the speedups README.md may state.",
        f"# {runs} runs idle + {runs} with one core busy per variant; median and range of the runs'",
        "# speedups. xtask/tests/readme_numbers.rs reads this file; rerun the benchmark, do not edit.",
    ]
    for variant in variants:
        values = speedups(variant)
        if not values:
            continue
        lines += [
            "",
            "[[variant]]",
            f'name = "{variant.name}"',
            f'case = "{variant.case}"',
            f'verdict = "{variant.expected}"',
            f"median = {statistics.median(values):.3g}",
            f"min = {min(values):.3g}",
            f"max = {max(values):.3g}",
            f"runs = {len(values)}",
        ]
    path = ROOT / "solutions" / folder / "variants" / "measured.toml"
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")


# --------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exercise", action="append", default=[], help="01, 02-strings, … (all)")
    parser.add_argument("--runs", type=int, default=20, help="runs per variant and load (20)")
    parser.add_argument("--threshold-shift", action="append", type=int, default=[],
                        metavar="PERCENT", help="+12, -12 or 0: the solution against a moved threshold")
    parser.add_argument("--fixed-calibration", action="store_true",
                        help="shift every run from one median taken first (default: a rolling median)")
    parser.add_argument("--write", action="store_true", help="store the medians in variants/measured.toml")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"))
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    if any(shift not in (12, -12, 0) for shift in options.threshold_shift):
        parser.error("--threshold-shift takes +12, -12 or 0")
    if options.write and options.threshold_shift:
        parser.error("--write stores the variants' table; run it without --threshold-shift")

    problems = []
    with tempfile.TemporaryDirectory(prefix="speed-variants-") as scratch:
        scratch = Path(scratch)
        workspace = scratch_workspace(scratch)
        for folder in exercises_with_variants(options.exercise):
            exercise, variants = declared(folder)
            if options.threshold_shift:
                variants = [v for v in variants if v.name == "solution"]
            print(f"\n== {folder}: {', '.join(v.name for v in variants)}", flush=True)
            for variant in variants:
                prepare(variant, workspace, options.python, scratch)
            thresholds = {(folder, case["name"]): float(case["min_speedup"]) for case in exercise["perf"]}
            if options.threshold_shift:
                for variant in variants:
                    if options.fixed_calibration:
                        problems += fixed_shifts(variant, options, scratch)
                    else:
                        problems += rolling_shifts(variant, options, scratch)
                continue
            measure(variants, options.runs, options.python, scratch)
            problems += variant_table(variants, thresholds)
            if options.write:
                write_measured(folder, variants, options.runs)
    print()
    for problem in problems:
        print(f"MISSED: {problem}")
    print("all bars met" if not problems else f"{len(problems)} bars missed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
