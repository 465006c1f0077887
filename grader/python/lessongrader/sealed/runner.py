"""The trusted runner: `python -m lessongrader.sealed --suite FILE --module NAME --reference DIR
--submission DIR --launcher JSON --seed HEX --out FILE [--scratch DIR] [--budget-seconds N]`.

It loads the suite (course code), never the reference or the submission: those run in worker
processes behind the launcher. Three parts, each a verdict in the results file:
- correctness: every case's calls sent to both workers, answers compared here (`compare.py`);
  hypothesis draws the arguments (seeded from --seed) and shrinks a failure to a small call;
- leaks: the submission worker's RSS growth over many calls on fresh large arguments, against the
  reference worker's; a crash is an over-release;
- speed: the CPU time the kernel charged to the submission worker's batch against the pure-Python
  baseline's, in its own worker, on the same inputs.
Exit 0 when the results file was written, whatever the verdict; 2 for bad usage.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Verbosity, given, seed, settings
from hypothesis.configuration import set_hypothesis_home_dir

from .. import perf
from . import client, compare, procfs, protocol
from .suite import Suite

SCHEMA_VERSION = 1
# How long hypothesis may shrink one case's failure; then the smallest failing call seen is kept.
SHRINK_SECONDS = 3.0


# How many timed calls the first call on the speed input (the checked one) may cost, and a floor
# of CPU time (ns) on top; see remembered_answers. Honest solutions measured at most 2.8× on a
# quiet machine and once 5× under CI's load; a remembered answer makes the timed calls a
# thousand times cheaper than the first.
FIRST_CALL_FACTOR = 20
FIRST_CALL_FLOOR_NS = 1_000_000


class Mismatch(AssertionError):
    pass


class ReferenceBroken(RuntimeError):
    """The reference side failed: the grader's problem, not the submission's."""


class OverBudget(RuntimeError):
    pass


def load_suite(path):
    namespace = {"__file__": str(path), "__name__": "sealed_suite"}
    source = Path(path).read_text(encoding="utf-8")
    folder = Path(path).parent
    for sibling in folder.glob("*.py"):  # the suite may import tests/baseline.py (course code)
        sys.modules.pop(sibling.stem, None)  # ... this folder's, not a same-named one seen before
    sys.path.insert(0, str(folder))
    try:
        exec(compile(source, str(path), "exec"), namespace)
    finally:
        sys.path.remove(str(Path(path).parent))
    suite = namespace.get("SUITE")
    if not isinstance(suite, Suite):
        raise ValueError(f"{path} does not assign SUITE = Suite(...)")
    return suite


def hypothesis_home(scratch_root):
    """Where hypothesis keeps its caches (by default ./.hypothesis, which would be the course):
    the user's cache folder, so that its Unicode tables (seconds to build) are built once; the
    run's scratch folder if that cannot be written. No example database is kept in either."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lessongrader-sealed" / "hypothesis"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        if os.access(cache, os.W_OK):
            return str(cache)
    except OSError:
        pass
    return os.path.join(scratch_root, "hypothesis")


def case_seed(secret, name):
    return int.from_bytes(hashlib.sha256(f"{secret}:{name}".encode()).digest()[:8], "big")


class Run:
    def __init__(self, options, suite):
        self.options = options
        self.suite = suite
        self.started = time.monotonic()
        self.crashes = []
        self.workers = {}
        self.unusable = None  # why the submission's module cannot even be loaded
        self.launcher = options.launcher
        self.scratch_root = options.scratch or tempfile.mkdtemp(prefix="sealed-")
        self.own_scratch = options.scratch is None
        set_hypothesis_home_dir(hypothesis_home(self.scratch_root))
        self.dirs = {"reference": options.reference, "submission": options.submission}

    # --- workers --------------------------------------------------------------------------------

    def worker(self, side):
        current = self.workers.get(side)
        if current is not None and current.gone is None:
            return current
        if current is not None:
            current.close()
        if side == "submission" and self.unusable:
            raise SubmissionUnusable(self.unusable)
        scratch = os.path.join(self.scratch_root, f"{side}-{len(self.crashes)}-{time.monotonic_ns()}")
        os.makedirs(scratch)
        module, folder = self.options.module, self.dirs.get(side)
        if side == "baseline":
            module = self.suite.speed.baseline_module
            folder = self.suite.folder or str(Path(self.options.suite).parent)
        try:
            worker = client.WorkerProcess(
                side, self.launcher, scratch, module, folder, timeout=self.suite.call_timeout
            )
        except (ImportError, client.WorkerGone, client.NoAnswer, protocol.BadFrame) as error:
            if isinstance(error, client.WorkerGone):
                self.record_crash(error)
            if side == "submission":
                self.unusable = str(error)
                raise SubmissionUnusable(self.unusable) from None
            raise ReferenceBroken(f"the {side} worker could not start: {error}") from None
        self.workers[side] = worker
        if self.suite.files:
            files = {
                path: None if content is None else __import__("base64").b64encode(content).decode("ascii")
                for path, content in self.suite.files.items()
            }
            worker.request({"op": "files", "files": files})
        return worker

    def record_crash(self, gone):
        self.crashes.append(
            {"side": gone.side, "signal": gone.signal, "stderr_tail": compare.clip(gone.stderr_tail, 2000)}
        )

    def outcome(self, side, request, want_args=False):
        """One call on one side, as an outcome; the reference side failing raises ReferenceBroken."""
        return self.outcomes({side: request}, want_args)[side]

    def outcomes(self, requests, want_args=False):
        """The same call on several sides at once: all are sent, then all answers collected."""
        results, sent = {}, []
        for side, request in requests.items():
            try:
                self.worker(side).send(request)
                sent.append(side)
            except client.WorkerGone as gone:
                self.record_crash(gone)
                results[side] = ("crashed", str(gone), None)
            except SubmissionUnusable as error:
                results[side] = ("unusable", str(error), None)
        for side in sent:
            try:
                answer = self.workers[side].receive()
                results[side] = protocol.decode_answer(answer, want_args)
            except client.WorkerGone as gone:
                self.record_crash(gone)
                results[side] = ("crashed", str(gone), None)
            except client.NoAnswer as error:
                results[side] = ("no answer", str(error), None)
            except protocol.BadFrame as error:
                self.workers[side].kill()  # out of step with us now: start afresh
                results[side] = ("malformed answer", str(error), None)
        for side, result in results.items():
            if side != "submission" and result[0] not in ("returned", "raised"):
                raise ReferenceBroken(f"the {side} side failed on {requests[side].get('target')}: {result[1]}")
        return results

    def check_budget(self):
        if time.monotonic() - self.started > self.options.budget_seconds:
            raise OverBudget(f"the sealed run took longer than its budget of {self.options.budget_seconds} s")

    def close(self):
        for worker in self.workers.values():
            worker.close()
        if self.own_scratch:
            shutil.rmtree(self.scratch_root, ignore_errors=True)

    # --- correctness ----------------------------------------------------------------------------

    def expected_by_oracle(self, oracle):
        pid = self.worker("submission").pid
        inner = procfs.namespace_pid(pid)
        if oracle == "pid":
            return ("returned", inner[-1], None)
        if oracle == "ppid":
            outer = procfs.namespace_pid(procfs.parent(pid)) or []
            return ("returned", outer[-1] if len(outer) == len(inner) else 0, None)
        raise ValueError(f"unknown oracle {oracle!r}")

    def check_call(self, case, args, kwargs, handle=None, project=None, history="", get=False):
        """Compare one call on both sides; returns a failure dict or None."""
        target = case.target if hasattr(case, "target") else case
        want_args = getattr(case, "want_args", False)
        request = {
            "op": "call",
            "target": target,
            "args": [protocol.encode(arg) for arg in args],
            "kwargs": {name: protocol.encode(value) for name, value in (kwargs or {}).items()},
            "project": project if project is not None else getattr(case, "project", None),
            "want_args": want_args,
            "get": get,
        }
        oracle = getattr(case, "oracle", None)
        sides = ["submission"] if oracle else ["submission", "reference"]
        results = self.outcomes({side: dict(request, handle=handle and handle[side]) for side in sides}, want_args)
        actual = results["submission"]
        if oracle:
            expected = self.expected_by_oracle(oracle) if actual[0] != "crashed" else ("returned", "?", None)
        else:
            expected = results["reference"]
        if compare.same_outcome(expected, actual, self.suite.rel_tol, self.suite.abs_tol):
            return None
        note = ""
        if actual[0] not in ("returned", "raised"):
            note = f"the call failed: {actual[0]}"
        elif type(actual[1]) is protocol.Raised and actual[1].type_name == "PanicException":
            note = "the submission panicked (a todo!() not yet written?)"
        return {
            "case": getattr(case, "name", target),
            "call": compare.clip(history + compare.call_text(target, args, kwargs)),
            "expected": compare.describe(expected),
            "actual": compare.describe(actual),
            "note": note,
        }

    def run_property(self, name, strategy, check, max_examples, examples):
        """Examples first, then hypothesis; returns the (shrunk) failure or None."""
        for example in examples:
            failure = check(example)
            if failure:
                return failure
        state = {"failure": None, "stop": False, "first": None}

        @settings(
            max_examples=max_examples,
            database=None,
            deadline=None,
            derandomize=False,
            print_blob=False,
            report_multiple_bugs=False,
            verbosity=Verbosity.quiet,
            suppress_health_check=list(HealthCheck),
        )
        @seed(case_seed(self.options.seed, name))
        @given(strategy)
        def prop(drawn):
            if state["stop"]:
                return
            if state["first"] is not None and time.monotonic() - state["first"] > SHRINK_SECONDS:
                state["stop"] = True  # shrunk long enough: keep the smallest failure seen
                return
            self.check_budget()
            crashes = len(self.crashes)
            failure = check(drawn)
            if failure is None:
                return
            if state["failure"] is None or len(failure["call"]) <= len(state["failure"]["call"]):
                state["failure"] = failure
            state["first"] = state["first"] or time.monotonic()
            if len(self.crashes) > crashes:  # do not shrink by restarting a crashing worker
                state["stop"] = True
                return
            raise Mismatch(failure["call"])

        try:
            prop()
        except OverBudget:
            raise
        except Exception:  # noqa: BLE001 — Mismatch, or hypothesis noticing the early stop
            if state["failure"] is None:
                raise
        return state["failure"]

    def function_case(self, case):
        def check(drawn):
            args, kwargs = (drawn, {}) if case.kwargs is None else drawn
            return self.check_call(case, list(args), kwargs)

        strategy = case.args if case.kwargs is None else protocol_pairs(case.args, case.kwargs)
        examples = [example if case.kwargs is None else (example, {}) for example in case.examples]
        return self.run_property(case.name, strategy, check, case.max_examples, examples)

    def run_scenario(self, scenario, init, steps, observe=None):
        handle = {}
        sides = ["reference", "submission"]
        history = compare.call_text(scenario.cls, init)
        made = {}
        request = {"op": "call", "target": scenario.cls, "args": [protocol.encode(a) for a in init], "kwargs": {}, "new_handle": True}
        made = self.outcomes({side: request for side in sides})
        if not compare.same_outcome(made["reference"], made["submission"], 0, 0):
            return {"case": scenario.name, "call": compare.clip(history), "expected": compare.describe(made["reference"]), "actual": compare.describe(made["submission"]), "note": ""}
        if made["reference"][0] == "raised":
            return None
        handle = {side: made[side][1].ident for side in sides}
        history += "; then "
        try:
            for step in steps:
                method, args = step[0], step[1]
                project = step[2] if len(step) > 2 else None
                failure = self.check_call(method, list(args or ()), {}, handle=handle, project=project, history=history, get=args is None)
                done = f".{method}" if args is None else compare.call_text(method, args)
                if failure is None and observe is not None:
                    failure = self.check_call(observe[0], list(observe[1]), {}, handle=handle, history=f"{history}{done}; then ")
                if failure:
                    failure["case"] = scenario.name
                    return failure
                history = compare.clip(history + done + "; then ", 2000)
        finally:
            for side in sides:
                worker = self.workers.get(side)
                if worker is not None and worker.gone is None:
                    try:
                        worker.request({"op": "drop", "handle": handle[side]})
                    except (client.WorkerGone, client.NoAnswer, protocol.BadFrame):
                        pass
        return None

    def scenario_case(self, scenario):
        # The fixed part runs unless the scenario is only drawn sequences: one without steps still
        # compares its construction (e.g. `LruCache(0)` raising).
        fixed = scenario.steps or scenario.sequences is None
        failure = self.run_scenario(scenario, tuple(scenario.init), scenario.steps) if fixed else None
        if failure or scenario.sequences is None:
            return failure
        return self.run_property(
            scenario.name, scenario.sequences, lambda drawn: self.run_scenario(scenario, tuple(drawn[0]), drawn[1], scenario.observe), scenario.max_examples, []
        )

    def correctness(self):
        failures, passed = [], 0
        cases = self.suite.cases
        if not cases:
            return part("correctness", "skipped", "this suite has no correctness cases", 0, 0, [])
        for case in cases:
            self.check_budget()
            failure = self.scenario_case(case) if hasattr(case, "cls") else self.function_case(case)
            if failure:
                failures.append(failure)
            else:
                passed += 1
        status = "passed" if passed == len(cases) else "failed"
        summary = f"{passed} of {len(cases)} sealed cases agree with the reference"
        return part("correctness", status, summary, passed, len(cases), failures)

    # --- speed ----------------------------------------------------------------------------------

    def batch(self, side, request):
        worker = self.worker(side)
        before = worker.cpu_ns()
        answer = worker.request(request, timeout=60.0)
        after = worker.cpu_ns()
        if set(answer) != {"done", "raised"} or answer["done"] != request["repeats"]:
            raise protocol.BadFrame(f"a batch's answer is {{done, raised}}, got {compare.clip(repr(answer))}")
        return after - before, answer["raised"]

    def batches(self, sides, request):
        """The same (unmeasured) batch on several workers at once. If one fails, the others are
        stopped too (their answers would be out of step) and start afresh when next needed."""
        raised = {}
        try:
            for side in sides:
                self.worker(side).send(request)
            for side in sides:
                answer = self.workers[side].receive(timeout=120.0)
                if set(answer) != {"done", "raised"} or answer["done"] != request["repeats"] or type(answer["raised"]) is not int:
                    raise protocol.BadFrame(f"a batch's answer is {{done, raised}}, got {compare.clip(repr(answer))}")
                raised[side] = answer["raised"]
            return raised
        except BaseException:
            for side in sides:
                worker = self.workers.get(side)
                if worker is not None and worker.gone is None:
                    worker.kill()
            raise

    def first_speed_call(self, spec):
        """The first call on the staged speed input, on both sides: each answer, and each side's CPU
        time for the call alone. The result is kept in the worker and fetched by a second request,
        so that encoding a large answer is not counted as the call's time."""
        sides = ("baseline", "submission")
        call = {"op": "call", "staged": True, "new_handle": True}
        started = {side: self.worker(side).cpu_ns() for side in sides}
        kept = self.outcomes({
            "baseline": dict(call, target=spec.baseline, driver=spec.baseline_driver),
            "submission": dict(call, target=spec.candidate, driver=spec.driver),
        })
        first_call = {side: self.workers[side].cpu_ns() - started[side] for side in sides}
        held = {side: outcome[1].ident for side, outcome in kept.items()
                if outcome[0] == "returned" and isinstance(outcome[1], protocol.Handle)}
        fetched = self.outcomes({side: {"op": "call", "handle": ident, "target": "", "get": True} for side, ident in held.items()})
        answers = {side: fetched.get(side, kept[side]) for side in sides}
        return answers["baseline"], answers["submission"], first_call

    def speed_alone(self):
        """The speed part, holding the measurement lock that keeps the course's builds (and other
        timings) from running beside it: only the timing waits for it, not the whole run. Should
        builds hold it too long, the timing runs anyway, less alone: no reason to give no grade."""
        if self.suite.speed is None or not self.options.measure_lock:
            return self.speed()
        try:
            with perf.measurement_lock(self.options.measure_lock, perf.LOCK_TIMEOUT_SECONDS):
                return self.speed()
        except perf.LockTimeout:
            return self.speed()

    def speed(self):
        spec = self.suite.speed
        if spec is None:
            return part("speed", "skipped", "this exercise has no speed case", 0, 0, [])
        rng = random.Random(case_seed(self.options.seed, "speed"))
        args = [protocol.encode(arg) for arg in spec.inputs(rng)]
        base = {"op": "batch", "target": spec.baseline, "driver": spec.baseline_driver}
        cand = {"op": "batch", "target": spec.candidate, "driver": spec.driver}
        try:
            # Staged once, on both workers at once: the right-answer call and every batch use it
            # (decoding a large input costs more than the call itself).
            sides = ("baseline", "submission")
            frame = protocol.pack({"op": "stage", "args": args, "kwargs": {}})
            for side in sides:
                self.worker(side).send_frame(frame)
            for side in sides:
                if self.workers[side].receive().get("ok") is not True:
                    raise protocol.BadFrame("the worker did not stage the speed input")
            # right first: the candidate's answer on these inputs is the baseline's
            expected, actual, first_call = self.first_speed_call(spec)
            if not compare.same_outcome(expected, actual, self.suite.rel_tol, self.suite.abs_tol):
                return part("speed", "failed", "the speed batch's answer is wrong", 0, 1, [
                    {"case": spec.perf, "call": f"{spec.candidate}(<the speed input>)", "expected": compare.describe(expected), "actual": compare.describe(actual), "note": "speed counts only for right answers"}])
            one, _ = self.batch("baseline", dict(base, repeats=1))
            repeats = max(1, min(1000, round(spec.batch_seconds * 1e9 / max(one, 1))))
            self.batch("submission", dict(cand, repeats=1))  # warm-up
            ratios, per_call = [], []
            index = 0
            while index < spec.pairs or (
                # near the threshold (within 10 % below it): once as many pairs again, as perf.py does
                index < 2 * spec.pairs and 0.9 * spec.min_speedup <= statistics.median(ratios) < spec.min_speedup
            ):
                index += 1
                self.check_budget()
                order = ["baseline", "submission"] if index % 2 == 0 else ["submission", "baseline"]
                spent = {}
                for side in order:
                    spent[side], raised = self.batch(side, dict(base if side == "baseline" else cand, repeats=repeats))
                    if side == "submission" and raised:
                        return part("speed", "failed", f"the speed batch raised in {raised} of {repeats} calls", 0, 1, [])
                ratios.append(spent["baseline"] / max(spent["submission"], 1))
                per_call.append(spent["submission"] / repeats)
            helpers = self.worker("submission").helpers()
        except client.WorkerGone as gone:
            self.record_crash(gone)
            return part("speed", "failed", f"the submission worker died during the speed batch ({gone})", 0, 1, [])
        except (client.NoAnswer, protocol.BadFrame) as error:
            return part("speed", "failed", f"the speed batch failed: {error}", 0, 1, [])
        except SubmissionUnusable as error:
            return part("speed", "failed", f"the submission could not run: {error}", 0, 1, [])
        median = statistics.median(ratios)
        summary = f"{median:.1f}× the pure-Python baseline (CPU time, median of {len(ratios)} pairs); needs {spec.min_speedup:g}×"
        if helpers:
            return part("speed", "failed", f"the worker started helper processes ({len(helpers)}); " + summary, 0, 1, [])
        remembered = remembered_answers(first_call["submission"], statistics.median(per_call), one / spec.min_speedup)
        if remembered:
            return part("speed", "failed", f"{remembered}; {summary}", 0, 1, [])
        status = "passed" if median >= spec.min_speedup else "failed"
        return part("speed", status, summary, int(status == "passed"), 1, [])

    # --- leaks ----------------------------------------------------------------------------------

    def leaks(self):
        batches = self.suite.leaks
        if not batches:
            return part("leaks", "skipped", "this exercise has no sealed leak batch", 0, 0, [])
        failures, passed = [], 0
        for index, spec in enumerate(batches):
            self.check_budget()
            rng = random.Random(case_seed(self.options.seed, f"leak{index}"))
            args = [protocol.encode(arg) for arg in spec.inputs(rng)]
            request = {"op": "batch", "target": spec.target, "driver": spec.driver, "args": args, "kwargs": {}, "fresh": True}
            growth = {}
            sides = ("reference", "submission")
            try:
                # Both sides at once: the same warm-up, then the measured batch, RSS before and after.
                self.batches(sides, dict(request, repeats=max(1, spec.repeats // 4)))
                before = {side: self.workers[side].rss() for side in sides}
                raised = self.batches(sides, dict(request, repeats=spec.repeats))
                growth = {side: self.workers[side].rss() - before[side] for side in sides}
                if raised["submission"] != raised["reference"]:
                    # a call that fails at once (a todo!()) holds nothing: no leak points for it
                    failures.append(leak_failure(spec, f"{raised['submission']} of {spec.repeats} calls raised (the reference's: {raised['reference']})"))
                    continue
            except client.WorkerGone as gone:
                self.record_crash(gone)
                if gone.side != "submission":
                    raise ReferenceBroken(str(gone)) from None
                failures.append(leak_failure(spec, f"the worker died ({gone}): an object released once too often?"))
                continue
            except (client.NoAnswer, protocol.BadFrame, SubmissionUnusable) as error:
                failures.append(leak_failure(spec, f"the batch failed: {error}"))
                continue
            extra = growth["submission"] - growth["reference"]
            if extra > spec.slack_bytes:
                failures.append(leak_failure(
                    spec, f"memory grew {extra / 2**20:.1f} MiB more than the reference's over {spec.repeats} calls"
                ))
            else:
                passed += 1
        status = "passed" if passed == len(batches) else "failed"
        return part("leaks", status, f"{passed} of {len(batches)} leak batches within the reference's memory growth", passed, len(batches), failures)


def remembered_answers(first_call, timed, passing_call):
    """Why the timed calls look like answers remembered from the first call on the same input
    (the checked one); None when they do not. All in ns of CPU time.

    The first call may cost FIRST_CALL_FACTOR timed calls (cold caches, first allocations, a
    loaded machine) plus `passing_call`, the time of a call that would just pass, plus a floor: a
    submission that remembers answers computes once, and unless that once is itself about fast
    enough to pass, it is caught."""
    if first_call <= FIRST_CALL_FACTOR * timed + passing_call + FIRST_CALL_FLOOR_NS:
        return None
    return (
        f"the timed calls took {timed / 1e6:.2f} ms each, the first call on the same input "
        f"{first_call / 1e6:.2f} ms: speed counts only for work every call does (is an answer "
        f"remembered between calls?)"
    )


class SubmissionUnusable(RuntimeError):
    pass


def leak_failure(spec, note):
    return {"case": spec.target, "call": f"{spec.target}(<fresh large arguments>) × {spec.repeats}", "expected": "no growth beyond the reference's", "actual": note, "note": ""}


def protocol_pairs(args, kwargs):
    from hypothesis import strategies as st

    return st.tuples(args, kwargs)


def part(kind, status, summary, cases_passed, cases_total, failures):
    return {
        "kind": kind,
        "status": status,
        "summary": " ".join(summary.split()),
        "cases_passed": cases_passed,
        "cases_total": cases_total,
        "failures": failures[:20],
    }


def run(options):
    suite = load_suite(options.suite)
    started = time.monotonic()
    sealed = Run(options, suite)
    parts = []
    try:
        for kind, method in (("correctness", sealed.correctness), ("leaks", sealed.leaks), ("speed", sealed.speed_alone)):
            try:
                parts.append(method())
            except ReferenceBroken as error:
                parts.append(part(kind, "error", compare.clip(str(error)), 0, 0, []))
            except OverBudget as error:
                parts.append(part(kind, "error", str(error), 0, 0, []))
            except SubmissionUnusable as error:
                parts.append(part(kind, "failed", compare.clip(f"the submission could not run: {error}"), 0, 0, []))
            except Exception as error:  # noqa: BLE001 — a bug of ours: an error, never a verdict
                parts.append(part(kind, "error", compare.clip(f"the sealed runner failed: {type(error).__name__}: {error}"), 0, 0, []))
    finally:
        sealed.close()
    return {
        "schema": SCHEMA_VERSION,
        "module": options.module,
        "seconds": round(time.monotonic() - started, 3),
        "parts": parts,
        "worker_crashes": sealed.crashes[:20],
    }


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def parse(argv):
    parser = Parser(prog="python -m lessongrader.sealed", description="Sealed grading: the trusted runner.")
    parser.add_argument("--suite", required=True)
    parser.add_argument("--module", required=True)
    parser.add_argument("--reference", required=True)
    parser.add_argument("--submission", required=True)
    parser.add_argument("--launcher", required=True)
    parser.add_argument("--seed", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--scratch")
    parser.add_argument("--budget-seconds", type=float, default=60.0)
    parser.add_argument("--measure-lock", help="the lock file builds hold shared; taken exclusively to time the speed part")
    options = parser.parse_args(argv)
    try:
        launcher = json.loads(options.launcher)
    except json.JSONDecodeError as error:
        raise UsageError(f"--launcher is not JSON: {error}") from None
    if not isinstance(launcher, list) or not all(isinstance(item, str) for item in launcher):
        raise UsageError("--launcher must be a JSON list of strings")
    options.launcher = launcher
    try:
        int(options.seed, 16)
    except ValueError:
        raise UsageError(f"--seed must be hexadecimal, got {options.seed!r}") from None
    if not options.module.isidentifier():
        raise UsageError(f"--module must be a module name, got {options.module!r}")
    for flag in ("suite", "reference", "submission"):
        path = Path(getattr(options, flag))
        if not path.exists():
            raise UsageError(f"--{flag} {path} does not exist")
    for flag in ("suite", "reference", "submission", "out"):
        setattr(options, flag, str(Path(getattr(options, flag)).resolve()))
    if options.scratch and not Path(options.scratch).is_dir():
        raise UsageError(f"--scratch {options.scratch} is not a folder")
    if options.budget_seconds <= 0:
        raise UsageError("--budget-seconds must be positive")
    return options


def main(argv=None):
    try:
        options = parse(sys.argv[1:] if argv is None else argv)
        suite_check = load_suite(options.suite)
        if suite_check.module != options.module:
            raise UsageError(f"the suite is for module {suite_check.module!r}, not {options.module!r}")
    except UsageError as error:
        print(f"sealed: {error}", file=sys.stderr)
        return 2
    except (OSError, SyntaxError, ValueError) as error:
        print(f"sealed: the suite {options.suite} cannot be loaded: {error}", file=sys.stderr)
        return 2
    result = run(options)
    out = Path(options.out)
    temporary = out.with_name(out.name + ".partial")
    temporary.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, out)
    return 0
