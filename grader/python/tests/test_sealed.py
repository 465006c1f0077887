"""Sealed grading (lessongrader.sealed): the trusted runner against the real reference modules and
against pure-Python fakes that game the in-process tests. Every results file is validated
against result.schema.json.

The reference modules are the solutions' builds under target/ (`cargo xtask verify` and
`cargo xtask check N --solution` make them); a session fixture builds exercise 1's solution once
if it is missing. The fakes are folders holding NAME.py: the worker imports whatever NAME is.
"""

import array
import fcntl
import io
import json
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
import threading
import time
from pathlib import Path

import jsonschema
import pytest

from lessongrader.sealed import protocol, runner
from lessongrader.sealed.client import WorkerProcess

ROOT = Path(__file__).resolve().parents[3]
SEALED = ROOT / "grader" / "python" / "lessongrader" / "sealed"
SCHEMA = json.loads((SEALED / "result.schema.json").read_text())
EXERCISES = sorted(path for path in (ROOT / "exercises").iterdir() if (path / "exercise.toml").is_file())
MATH = ROOT / "exercises" / "01-math"


def built_solution(slug, module, number):
    """The solution's module built for this Python: under $CARGO_TARGET_DIR or target/ (the default
    Python's builds), or target/py3.X (where `cargo xtask test` builds for the other Pythons)."""
    version = f"py{sys.version_info.major}.{sys.version_info.minor}"
    roots = [Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")), ROOT / "target" / version]
    pattern = f"grader/*/solution/{slug}/module/{module}/{module}{sysconfig.get_config_var('EXT_SUFFIX')}"

    def find():
        return sorted((path for root in roots for path in root.glob(pattern)), key=lambda path: path.stat().st_mtime)

    found = find()
    if not found and Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        # the course's own venv: build it the way verify does (verify then finds it built)
        subprocess.run(
            ["cargo", "xtask", "check", str(number), "--solution", "--no-perf", "--no-leaks", "--color", "never"],
            cwd=ROOT,
            check=False,
            capture_output=True,
        )
        found = find()
    assert found, f"no {module} built for {version} under {' or '.join(map(str, roots))}: run `cargo xtask check {number} --solution`"
    return found[-1].parent


@pytest.fixture(scope="session")
def fastmath_dir():
    return built_solution("01-math", "fastmath", 1)


def reduced_suite(tmp_path, exercise=MATH, keep=("cases",), **changes):
    """The exercise's real suite with only some parts kept (each test pays for what it checks)."""
    lines = [
        f"import sys; sys.path.insert(0, {str(exercise / 'tests')!r})",
        f"exec(compile(open({str(exercise / 'tests' / 'sealed.py')!r}).read(), 'sealed.py', 'exec'))",
        *(f"SUITE.{part} = {empty}" for part, empty in (("cases", "[]"), ("speed", "None"), ("leaks", "[]")) if part not in keep),
        *(f"SUITE.{name} = {value!r}" for name, value in changes.items()),
        f"SUITE.folder = {str(exercise / 'tests')!r}",
    ]
    path = tmp_path / "suite.py"
    path.write_text("\n".join(lines) + "\n")
    return path


def fake(tmp_path, source, name="fastmath"):
    folder = tmp_path / f"fake-{name}"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return folder


def run_sealed(tmp_path, suite, reference, submission, module="fastmath", launcher=(), seed="5eed", out="out.json", extra=()):
    out_path = tmp_path / out
    command = [
        sys.executable, "-m", "lessongrader.sealed",
        "--suite", str(suite), "--module", module,
        "--reference", str(reference), "--submission", str(submission),
        "--launcher", json.dumps(list(launcher)), "--seed", seed, "--out", str(out_path), *extra,
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT / "grader" / "python"))
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(out_path.read_text())
    jsonschema.validate(result, SCHEMA)
    return result


def parts(result):
    return {part["kind"]: part for part in result["parts"]}


BASELINE_IMPORT = f"""
import sys
sys.path.insert(0, {str(MATH / 'tests')!r})
import baseline
"""

# Exactly the public tests' answers, and nothing else.
HARD_CODED = """
_PRIMES = {100: [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97],
           0: [], 1: [], 2: [], 3: [2], 4: [2, 3], 5: [2, 3], 6: [2, 3, 5], 12: [2, 3, 5, 7, 11]}
def primes_below(n):
    return _PRIMES.get(n, [2, 3, 5, 7])
def sum_of_squares(xs):
    return {(1.0, 2.0, 3.0): 14.0}.get(tuple(xs), 0.0)
def mean(xs):
    return 2.5
def variance(xs):
    return 1.25
def newton_sqrt(x, tol=1e-12, max_iter=100):
    return {2.0: 1.4142135623730951, 4.0: 2.0}.get(x, 1.0)
"""

ALWAYS_EQUAL = """
class Anything(float):
    def __eq__(self, other):
        return True
    __hash__ = float.__hash__
class AnyList(list):
    def __eq__(self, other):
        return True
def primes_below(n):
    return AnyList()
def sum_of_squares(xs):
    return Anything(0.0)
mean = variance = sum_of_squares
def newton_sqrt(x, tol=1e-12, max_iter=100):
    return Anything(1.0)
"""


# --- the real modules -----------------------------------------------------------------------------


def test_the_reference_against_itself_gets_every_part(tmp_path, fastmath_dir):
    result = run_sealed(tmp_path, MATH / "tests" / "sealed.py", fastmath_dir, fastmath_dir)
    found = parts(result)
    assert [part["kind"] for part in result["parts"]] == ["correctness", "leaks", "speed"]
    for kind in ("correctness", "leaks", "speed"):
        assert found[kind]["status"] == "passed", found[kind]
        assert found[kind]["cases_passed"] == found[kind]["cases_total"] > 0
    assert result["worker_crashes"] == []
    assert result["module"] == "fastmath"


def test_a_launcher_that_forks_still_finds_the_worker(tmp_path, fastmath_dir):
    # `sh` runs the worker as its child (not exec): the worker is found as a descendant, and the
    # CPU time that decides the speed part is the worker's own.
    launcher = ["sh", "-c", '"$@"; exit $?', "sh"]
    suite = reduced_suite(tmp_path, keep=("cases", "speed"))
    result = run_sealed(tmp_path, suite, fastmath_dir, fastmath_dir, launcher=launcher)
    assert parts(result)["correctness"]["status"] == "passed"
    assert parts(result)["speed"]["status"] == "passed", parts(result)["speed"]


# --- fakes that pass in-process tests -------------------------------------------------------------


def test_hard_coded_public_answers_fail_correctness(tmp_path, fastmath_dir):
    result = run_sealed(tmp_path, reduced_suite(tmp_path), fastmath_dir, fake(tmp_path, HARD_CODED))
    correctness = parts(result)["correctness"]
    assert correctness["status"] == "failed"
    assert correctness["cases_passed"] == 0 and correctness["cases_total"] == 5
    failure = next(f for f in correctness["failures"] if f["case"] == "primes_below")
    # shrunk by hypothesis (or an instructor's example): a small call, both answers shown
    assert re.fullmatch(r"primes_below\(-?\d{1,3}\)", failure["call"]), failure
    assert failure["expected"] != failure["actual"]


def test_the_same_seed_draws_the_same_inputs(tmp_path, fastmath_dir):
    suite = reduced_suite(tmp_path)
    submission = fake(tmp_path, HARD_CODED)
    first = run_sealed(tmp_path, suite, fastmath_dir, submission, seed="a1", out="1.json")
    again = run_sealed(tmp_path, suite, fastmath_dir, submission, seed="a1", out="2.json")
    assert parts(first)["correctness"]["failures"] == parts(again)["correctness"]["failures"]


def test_objects_whose_eq_is_always_true_fail(tmp_path, fastmath_dir):
    result = run_sealed(tmp_path, reduced_suite(tmp_path), fastmath_dir, fake(tmp_path, ALWAYS_EQUAL))
    correctness = parts(result)["correctness"]
    assert correctness["cases_passed"] == 0, correctness
    assert all("not plain data" in failure["actual"] for failure in correctness["failures"]), correctness


def test_calling_the_baseline_is_right_but_fails_speed(tmp_path, fastmath_dir):
    slow = fake(tmp_path, BASELINE_IMPORT + "from baseline import *\n")
    result = run_sealed(tmp_path, reduced_suite(tmp_path, keep=("cases", "speed")), fastmath_dir, slow)
    assert parts(result)["correctness"]["status"] == "passed"
    speed = parts(result)["speed"]
    assert speed["status"] == "failed" and speed["cases_passed"] == 0, speed
    assert "needs 16×" in speed["summary"]


# Three ways to make the timed calls cheaper than the checked one: remember the answer by the
# input's identity, or by a sample of its content, or empty the input once it has been answered.
REMEMBERING = {
    "by identity": """
        _answers = {}
        def sum_of_squares(xs):
            if id(xs) not in _answers:
                _answers[id(xs)] = _work(xs)
            return _answers[id(xs)]
    """,
    "by content": """
        _answers = {}
        def sum_of_squares(xs):
            key = (len(xs), xs[0], xs[len(xs) // 2], xs[-1]) if xs else ()
            if key not in _answers:
                _answers[key] = _work(xs)
            return _answers[key]
    """,
    "emptying the input": """
        def sum_of_squares(xs):
            answer = _work(xs)
            if isinstance(xs, list):
                xs.clear()
            return answer
    """,
}


@pytest.mark.parametrize("trick", REMEMBERING)
def test_timed_calls_cheaper_than_the_checked_call_fail_speed(tmp_path, fastmath_dir, trick):
    # The first call on the speed input is checked and does the work; each trick then returns
    # every timed call almost for free.
    source = BASELINE_IMPORT + "from baseline import *\n_work = sum_of_squares\n" + textwrap.dedent(REMEMBERING[trick])
    cheat = fake(tmp_path, source)
    result = run_sealed(tmp_path, reduced_suite(tmp_path, keep=("speed",)), fastmath_dir, cheat)
    speed = parts(result)["speed"]
    assert speed["status"] == "failed", speed
    assert "remembered between calls" in speed["summary"], speed


def test_only_the_speed_part_waits_for_the_measurement_lock(tmp_path, fastmath_dir):
    # A build of the course holds the lock (shared) while it compiles; the runner takes it
    # exclusively for its timing alone, so correctness and leaks run beside builds.
    lock = tmp_path / "measure.lock"
    extra = ("--measure-lock", str(lock))
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_SH)
        started = time.monotonic()
        result = run_sealed(tmp_path, reduced_suite(tmp_path, keep=("cases", "leaks")), fastmath_dir, fastmath_dir, extra=extra)
        assert time.monotonic() - started < 20, "correctness and leaks waited for the lock (30 s)"
        assert parts(result)["leaks"]["status"] == "passed"
        threading.Timer(5.0, fcntl.flock, (held, fcntl.LOCK_UN)).start()
        started = time.monotonic()
        result = run_sealed(tmp_path, reduced_suite(tmp_path, keep=("speed",)), fastmath_dir, fastmath_dir, extra=extra)
        waited = time.monotonic() - started
    assert waited >= 5.0, "the timing did not wait for the build to end"
    assert parts(result)["speed"]["status"] == "passed", parts(result)["speed"]


def test_work_done_by_a_helper_process_is_charged_and_fails_speed(tmp_path, fastmath_dir):
    # The helper is forked at import, before any timing, and does every sum: a worker that only
    # waits would look infinitely fast if the helper's CPU time were not counted.
    helper = fake(tmp_path, BASELINE_IMPORT + """
        import os, pickle, struct
        from baseline import *
        _ask_r, _ask_w = os.pipe(); _ans_r, _ans_w = os.pipe()
        if os.fork() == 0:
            try:
                while True:
                    size = struct.unpack(">I", os.read(_ask_r, 4))[0]
                    data = b""
                    while len(data) < size:
                        data += os.read(_ask_r, size - len(data))
                    os.write(_ans_w, struct.pack(">d", sum_of_squares(pickle.loads(data))))
            finally:
                os._exit(1)
        def sum_of_squares(xs):
            data = pickle.dumps(list(xs))
            os.write(_ask_w, struct.pack(">I", len(data)) + data)
            return struct.unpack(">d", os.read(_ans_r, 8))[0]
    """.replace("\n        ", "\n"))
    result = run_sealed(tmp_path, reduced_suite(tmp_path, keep=("speed",)), fastmath_dir, helper)
    speed = parts(result)["speed"]
    assert speed["status"] == "failed", speed
    assert "helper processes" in speed["summary"]


def test_a_leaked_argument_fails_leaks(tmp_path, fastmath_dir):
    leaky = fake(tmp_path, BASELINE_IMPORT + """
from baseline import *
_kept = []
def sum_of_squares(xs):
    _kept.append(xs)  # a reference never released: the whole argument stays alive
    return baseline.sum_of_squares(xs)
""")
    result = run_sealed(tmp_path, reduced_suite(tmp_path, keep=("leaks",)), fastmath_dir, leaky)
    assert parts(result)["correctness"]["cases_total"] == 0
    leaks = parts(result)["leaks"]
    assert leaks["status"] == "failed"
    assert [failure["case"] for failure in leaks["failures"]] == ["sum_of_squares"]
    assert "MiB more than the reference" in leaks["failures"][0]["actual"]
    assert leaks["cases_passed"] == leaks["cases_total"] - 1


def test_a_crashing_worker_is_reported_and_the_other_cases_still_run(tmp_path, fastmath_dir):
    crashing = fake(tmp_path, BASELINE_IMPORT + """
from baseline import *
import os
def mean(xs):
    os.abort()
""")
    result = run_sealed(tmp_path, reduced_suite(tmp_path), fastmath_dir, crashing)
    correctness = parts(result)["correctness"]
    assert correctness["cases_passed"] == 4 and correctness["cases_total"] == 5
    (failure,) = correctness["failures"]
    assert failure["case"] == "mean" and failure["actual"].startswith("crashed")
    assert result["worker_crashes"][0]["side"] == "submission"
    assert result["worker_crashes"][0]["signal"] == 6  # SIGABRT
    assert len(result["worker_crashes"]) == 1  # not restarted to shrink the crash


def test_lone_surrogates_in_answers_fail_the_call_and_the_results_stay_utf8(tmp_path, fastmath_dir):
    # A lone surrogate cannot be written as UTF-8: sent in an answer or an exception's message, it
    # must neither crash the runner nor make its results file unreadable to the grader.
    hostile = fake(tmp_path, BASELINE_IMPORT + """
from baseline import *
def mean(xs):
    raise ValueError("mean of \\ud800")
def variance(xs):
    return "\\udc80"
""")
    result = run_sealed(tmp_path, reduced_suite(tmp_path), fastmath_dir, hostile)
    (tmp_path / "out.json").read_bytes().decode("utf-8")  # strict: no surrogate got through
    failures = {failure["case"]: failure for failure in parts(result)["correctness"]["failures"]}
    assert sorted(failures) == ["mean", "variance"]
    assert failures["mean"]["actual"].startswith("raised ValueError('mean of \\ud800')")
    assert failures["variance"]["actual"].startswith("'\\udc80' (str)")


def test_a_malformed_frame_fails_the_call(tmp_path, fastmath_dir):
    forging = fake(tmp_path, BASELINE_IMPORT + """
from baseline import *
import gc
def variance(xs):
    worker = next(o for o in gc.get_objects() if type(o).__name__ == "Worker")
    worker.outbox.write(b"\\x00\\x00\\x00\\x04true")  # a frame that is JSON, but not an answer
    worker.outbox.flush()
    return baseline.variance(xs)
""")
    result = run_sealed(tmp_path, reduced_suite(tmp_path), fastmath_dir, forging)
    correctness = parts(result)["correctness"]
    assert correctness["cases_passed"] == 4
    (failure,) = correctness["failures"]
    assert failure["case"] == "variance" and failure["actual"].startswith("malformed answer")


def test_no_answer_in_time_fails_the_call(tmp_path, fastmath_dir):
    hanging = fake(tmp_path, BASELINE_IMPORT + """
from baseline import *
import time
def newton_sqrt(x, tol=1e-12, max_iter=100):
    time.sleep(60)
""")
    result = run_sealed(tmp_path, reduced_suite(tmp_path, call_timeout=1.0), fastmath_dir, hanging)
    correctness = parts(result)["correctness"]
    (failure,) = correctness["failures"]
    assert failure["case"] == "newton_sqrt" and failure["actual"].startswith("no answer")


def test_a_skeleton_that_raises_everywhere_gets_nothing(tmp_path, fastmath_dir):
    skeleton = fake(tmp_path, """
def _todo(*args, **kwargs):
    raise NotImplementedError("not yet implemented")
primes_below = sum_of_squares = mean = variance = newton_sqrt = _todo
""")
    result = run_sealed(tmp_path, MATH / "tests" / "sealed.py", fastmath_dir, skeleton)
    for part in result["parts"]:
        assert part["status"] == "failed" and part["cases_passed"] == 0, part
    assert "calls raised" in parts(result)["leaks"]["failures"][0]["actual"]


def test_a_wrong_lru_cache_fails_a_scenario_shown_as_a_history(tmp_path):
    exercise = ROOT / "exercises" / "03-lru"
    reference = built_solution("03-lru", "lrucache", 3)
    wrong = fake(tmp_path, f"""
import sys
sys.path.insert(0, {str(exercise / 'tests')!r})
from baseline import PyLruCache

class LruCache(PyLruCache):
    __slots__ = ()
    def __repr__(self):
        inner = ", ".join(f"{{key!r}}: {{value!r}}" for key, value in self._data.items())
        return f"<LruCache capacity={{self.capacity}} {{{{{{inner}}}}}}>"
    def pop(self, key, *default):
        if len(default) > 1:
            raise TypeError(f"pop expected at most 2 arguments, got {{len(default) + 1}}")
        if key in self._data or default:
            return self._data.pop(key, *default)
        raise KeyError(key)
    def __getitem__(self, key):
        if key not in self._data:
            raise KeyError(key)
        return super().__getitem__(key)
    def __delitem__(self, key):
        if key not in self._data:
            raise KeyError(key)
        del self._data[key]
    def get(self, key, default=None):  # the bug: a hit is not counted as a use
        return self._data.get(key, default)
""", name="lrucache")
    result = run_sealed(tmp_path, reduced_suite(tmp_path, exercise), reference, wrong, module="lrucache")
    correctness = parts(result)["correctness"]
    assert correctness["status"] == "failed"
    assert {failure["case"] for failure in correctness["failures"]} == {"a hit in get counts as a use", "drawn sequences"}
    for failure in correctness["failures"]:
        assert failure["call"].startswith("LruCache(") and "; then get(" in failure["call"], failure
    assert correctness["cases_passed"] == correctness["cases_total"] - 2


def test_a_scenario_without_steps_still_compares_the_construction(tmp_path):
    # "bad capacity" is `LruCache(0)` and nothing else: a cache that takes any capacity fails it.
    exercise = ROOT / "exercises" / "03-lru"
    reference = built_solution("03-lru", "lrucache", 3)
    lenient = fake(tmp_path, """
class LruCache:
    def __init__(self, capacity):
        self.capacity = capacity
""", name="lrucache")
    suite = tmp_path / "capacity.py"
    suite.write_text(f"""
import sys; sys.path.insert(0, {str(exercise / 'tests')!r})
exec(compile(open({str(exercise / 'tests' / 'sealed.py')!r}).read(), 'sealed.py', 'exec'))
SUITE.cases = [case for case in SUITE.cases if case.name == "bad capacity"]
SUITE.speed = None
SUITE.leaks = []
SUITE.folder = {str(exercise / 'tests')!r}
""")
    assert run_sealed(tmp_path, suite, reference, reference, module="lrucache", out="same.json")["parts"][0]["status"] == "passed"
    correctness = parts(run_sealed(tmp_path, suite, reference, lenient, module="lrucache"))["correctness"]
    assert correctness["status"] == "failed", correctness
    assert [failure["call"] for failure in correctness["failures"]] == ["LruCache(0)"], correctness


MIRRORED = BASELINE_IMPORT + """
from baseline import primes_below, sum_of_squares, mean, variance, newton_sqrt
"""


def test_a_learner_mirroring_the_baseline_is_right_and_rust_float_formatting_is_not(tmp_path, fastmath_dir):
    # The messages write floats as Python's repr does (`nan`, `1e-05`), as the baseline does.
    mirrored = run_sealed(tmp_path, reduced_suite(tmp_path), fastmath_dir, fake(tmp_path, MIRRORED), out="m.json")
    assert parts(mirrored)["correctness"]["status"] == "passed", parts(mirrored)["correctness"]
    rust_style = MIRRORED + r"""
import re
_sqrt = newton_sqrt
def newton_sqrt(*args, **kwargs):  # `{x:?}` in Rust: NaN, 1e-5, 1e16
    try:
        return _sqrt(*args, **kwargs)
    except ValueError as error:
        text = re.sub(r"\bnan\b", "NaN", str(error))
        raise ValueError(re.sub(r"e([-+])0*(\d)", lambda m: "e" + m[1].replace("+", "") + m[2], text)) from None
"""
    result = run_sealed(tmp_path, reduced_suite(tmp_path), fastmath_dir, fake(tmp_path, rust_style), out="r.json")
    correctness = parts(result)["correctness"]
    assert correctness["status"] == "failed"
    assert {failure["case"] for failure in correctness["failures"]} == {"newton_sqrt"}, correctness


def test_a_submission_that_does_not_import_fails_every_part(tmp_path, fastmath_dir):
    broken = fake(tmp_path, "raise ImportError('no such symbol')\n")
    result = run_sealed(tmp_path, MATH / "tests" / "sealed.py", fastmath_dir, broken)
    for part in result["parts"]:
        assert part["status"] == "failed", part
    assert "no such symbol" in parts(result)["speed"]["summary"]


def test_a_broken_reference_is_an_error_not_a_verdict(tmp_path, fastmath_dir):
    broken = fake(tmp_path, "raise ImportError('reference missing')\n")
    result = run_sealed(tmp_path, reduced_suite(tmp_path), broken, fastmath_dir)
    assert parts(result)["correctness"]["status"] == "error"
    assert parts(result)["speed"]["status"] == "skipped"


# --- the command line -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--launcher": "not json"}, "--launcher is not JSON"),
        ({"--launcher": '"sh"'}, "must be a JSON list"),
        ({"--seed": "xyz"}, "hexadecimal"),
        ({"--suite": "/nonexistent/sealed.py"}, "does not exist"),
        ({"--module": "textkit"}, "the suite is for module 'fastmath'"),
        ({"--out": None}, "required"),
    ],
)
def test_bad_usage_exits_2_and_writes_nothing(tmp_path, change, message):
    arguments = {
        "--suite": str(MATH / "tests" / "sealed.py"), "--module": "fastmath", "--reference": str(tmp_path),
        "--submission": str(tmp_path), "--launcher": "[]", "--seed": "ab", "--out": str(tmp_path / "out.json"),
    }  # fmt: skip
    arguments.update(change)
    argv = [item for key, value in arguments.items() if value is not None for item in (key, value)]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "grader" / "python"))
    done = subprocess.run([sys.executable, "-m", "lessongrader.sealed", *argv], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert message in done.stderr
    assert not (tmp_path / "out.json").exists()


# --- the suites -----------------------------------------------------------------------------------


def toml_speed(exercise):
    """exercise.toml's [[perf]] min_speedup (one case per exercise), read without tomllib (3.10)."""
    text = (exercise / "exercise.toml").read_text()
    values = re.findall(r"^min_speedup\s*=\s*([0-9.]+)", text, flags=re.M)
    return float(values[0]) if values else None


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda path: path.name)
def test_every_exercise_has_a_suite_that_agrees_with_its_exercise_toml(exercise):
    suite = runner.load_suite(exercise / "tests" / "sealed.py")
    module = re.search(r'^module\s*=\s*"(\w+)"', (exercise / "exercise.toml").read_text(), flags=re.M).group(1)
    assert suite.module == module
    assert suite.cases, "a suite with no cases would give correctness points for nothing"
    assert suite.leaks, "every exercise has [leaks] enabled"
    threshold = toml_speed(exercise)
    if threshold is None:
        assert suite.speed is None
    else:
        assert suite.speed is not None and suite.speed.min_speedup == threshold
        assert re.search(rf'^name\s*=\s*"{suite.speed.perf}"', (exercise / "exercise.toml").read_text(), flags=re.M)


# --- the protocol ---------------------------------------------------------------------------------

PLAIN = [
    None, True, False, 0, -(2**100), 1.5, float("inf"), "é\0", b"\x00\xff", [1, [2.0]], (1, ("a",)),
    {1: "a", (1, 2): [None]}, [0.5] * 20, list(range(-20, 20)), [2**70] * 20,
]  # fmt: skip


@pytest.mark.parametrize("value", PLAIN, ids=repr)
def test_plain_values_round_trip_with_their_types(value):
    back = protocol.decode(json.loads(json.dumps(protocol.encode(value))))
    assert back == value and type(back) is type(value)
    if isinstance(value, list):
        assert [type(item) for item in back] == [type(item) for item in value]


def test_buffers_and_objects_are_arguments_only():
    assert protocol.decode(protocol.encode(array.array("h", [1, -2]))) == array.array("h", [1, -2])
    assert protocol.decode(protocol.encode(bytearray(b"ab"))) == bytearray(b"ab")
    tagged = protocol.encode(protocol.Namespace(x=1))
    assert protocol.decode(tagged, allow_objects=True).x == 1
    with pytest.raises(protocol.BadFrame):
        protocol.decode(tagged)


class AlwaysEqual(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


@pytest.mark.parametrize("value", [AlwaysEqual(3), object(), {1, 2}, 1j, [AlwaysEqual(1)]], ids=repr)
def test_only_exact_built_in_types_are_plain_data(value):
    with pytest.raises(TypeError, match="not plain data"):
        protocol.encode(value)


@pytest.mark.parametrize(
    "answer",
    [
        {"returned": ["pickle", "gASV"]},
        {"returned": ["int", "12a"]},
        {"returned": ["float", "nan please"]},
        {"returned": ["bytes", "***"]},
        {"returned": ["list", [["int", 1]]]},
        {"returned": ["dict", [[["list", []], ["none", None]]]]},
        {"returned": ["namespace", []]},
        {"returned": ["handle", 1]},
        {"returned": ["none", None], "raised": {"type": "X", "message": ""}},
        {"raised": {"type": "ValueError", "message": "m", "__eq__": True}},
        {"raised": {"type": "Value Error()", "message": "m"}},
        {"raised": {"type": "OSError", "message": "m", "errno": "2"}},
        {"returned": ["none", None], "extra": 1},
        {},
        {"returned": ["float", "0x1p+0"], "handle": 3},
        {"returned": ["list", [["list", [["list", []]]]]]},
    ],
)
def test_answers_outside_the_grammar_are_bad_frames(answer, monkeypatch):
    monkeypatch.setattr(protocol, "MAX_DEPTH", 1)
    with pytest.raises(protocol.BadFrame):
        protocol.decode_answer(answer)


def test_frames_are_length_prefixed_and_capped():
    stream = io.BytesIO(protocol.pack({"op": "ping"}) + protocol.pack({"returned": ["int", "7"]}))
    assert protocol.read_frame(stream) == {"op": "ping"}
    assert protocol.decode_answer(protocol.read_frame(stream))[1] == 7
    assert protocol.read_frame(stream) is None
    too_big = io.BytesIO(protocol.HEADER.pack(protocol.MAX_FRAME + 1))
    with pytest.raises(protocol.BadFrame, match="cap"):
        protocol.read_frame(too_big)
    for body in (b"[1]", b"{\"a\": NaN}", b"\xff", b"{"):
        with pytest.raises(protocol.BadFrame):
            protocol.read_frame(io.BytesIO(protocol.HEADER.pack(len(body)) + body))
    with pytest.raises(protocol.BadFrame, match="ended inside"):
        protocol.read_frame(io.BytesIO(protocol.HEADER.pack(10) + b"{}"))


def test_a_lone_surrogate_crosses_the_wire_as_itself():
    # hypothesis' text strategies draw them; UTF-8 has no form for them, JSON escapes do
    for message in ({"op": "call", "args": [protocol.encode("a\ud800b")]}, {"returned": ["str", "\udfff"]}):
        frame = protocol.pack(message)
        frame[protocol.HEADER.size :].decode("ascii")
        assert protocol.read_frame(io.BytesIO(frame)) == message
    assert protocol.pack({"returned": ["str", "é"]}).endswith('"é"]}'.encode())  # UTF-8 otherwise


def test_an_oversize_answer_header_kills_the_worker_and_fails(tmp_path):
    folder = fake(tmp_path, """
import gc, struct
def shout():
    worker = next(o for o in gc.get_objects() if type(o).__name__ == "Worker")
    worker.outbox.write(struct.pack(">I", 2**31))
    worker.outbox.flush()
""", name="loud")
    worker = WorkerProcess("submission", [], str(tmp_path), "loud", str(folder), timeout=5)
    try:
        worker.send({"op": "call", "target": "shout", "args": [], "kwargs": {}})
        with pytest.raises(protocol.BadFrame, match="over the"):
            worker.receive()
        assert worker.process.poll() is not None
    finally:
        worker.close()
