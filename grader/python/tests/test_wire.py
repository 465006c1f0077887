"""The wire contract between the plugin and the grader: lessongrader/wire/records.schema.json.

- every line of wire/samples.jsonl validates, and the samples show every record kind the schema
  lists (grader/src/wire.rs round-trips the same samples through its typed Rust model, so the two
  sides cannot drift apart without one of the two test suites failing);
- records written by real plugin runs (pytester, a fresh pytest process each) validate too, in the
  order the schema describes.
"""

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
WIRE = PYTHON_DIR / "lessongrader" / "wire"
SCHEMA = json.loads((WIRE / "records.schema.json").read_text(encoding="utf-8"))
SAMPLES = [
    json.loads(line) for line in (WIRE / "samples.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()
]

# JSON Schema calls 3.0 an integer; serde does not (`u32` rejects 3.0). A field the schema types as
# integer must be a JSON integer on the wire, so this checker refuses floats there.
_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda checker, value: isinstance(value, int) and not isinstance(value, bool)
    ),
)


def record_kinds():
    """The kinds the schema lists: the `kind` const of each `oneOf` branch."""
    kinds = []
    for branch in SCHEMA["oneOf"]:
        name = branch["$ref"].removeprefix("#/$defs/")
        kinds.append(SCHEMA["$defs"][name]["properties"]["kind"]["const"])
    return kinds


def validate(record):
    """Raise with the error that matters: against the branch of the record's own kind (`oneOf` alone
    would only say that no branch matched), then against the whole schema."""
    kind = record.get("kind") if isinstance(record, dict) else None
    if kind in record_kinds():
        branch = dict(SCHEMA, oneOf=[{"$ref": f"#/$defs/{kind}"}])
        error = jsonschema.exceptions.best_match(_Validator(branch).iter_errors(record))
        if error is not None:
            raise AssertionError(f"{kind} record does not match the schema: {error.message} at "
                                 f"{'/'.join(map(str, error.absolute_path)) or 'top level'}\n{json.dumps(record)[:2000]}")
    errors = list(_Validator(SCHEMA).iter_errors(record))
    if errors:
        raise AssertionError(f"record does not match the schema: {jsonschema.exceptions.best_match(errors).message}\n"
                             f"{json.dumps(record)[:2000]}")


# --- the schema itself -----------------------------------------------------------------------------


def test_the_schema_is_a_valid_draft_2020_12_schema():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_every_record_definition_is_named_after_its_kind():
    for branch in SCHEMA["oneOf"]:
        name = branch["$ref"].removeprefix("#/$defs/")
        assert SCHEMA["$defs"][name]["properties"]["kind"] == {"const": name}
        assert "kind" in SCHEMA["$defs"][name]["required"]


def _objects(node, path="#"):
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield path, node
        for key, value in node.items():
            yield from _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _objects(value, f"{path}/{index}")


def test_every_object_is_closed_and_every_field_described():
    objects = list(_objects(SCHEMA))
    assert len(objects) > 10
    for path, node in objects:
        if path == "#":
            continue  # the root is the oneOf; each branch is closed
        assert node.get("additionalProperties") is False, f"{path} accepts fields it does not list"
    for name, definition in SCHEMA["$defs"].items():
        assert definition.get("description"), f"$defs/{name} has no description"


def test_an_unknown_field_or_kind_or_a_null_is_rejected():
    with pytest.raises(AssertionError, match="does not match"):
        validate({"kind": "session_finish", "exitstatus": 0, "surprise": 1})
    with pytest.raises(AssertionError, match="does not match"):
        validate({"kind": "from_the_future"})
    with pytest.raises(AssertionError, match="does not match"):
        validate({"kind": "collect_error", "nodeid": "t.py", "exception": None, "message": "x"})
    with pytest.raises(AssertionError, match="does not match"):
        validate({"kind": "tests_done", "collected": 3.0, "failed": 0})  # serde's u32 refuses 3.0


# --- samples ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(SAMPLES)))
def test_every_sample_validates(index):
    validate(SAMPLES[index])


def test_the_samples_show_every_record_kind():
    assert sorted({sample["kind"] for sample in SAMPLES}) == sorted(record_kinds())


def test_the_samples_show_the_optional_shapes():
    tests = [sample for sample in SAMPLES if sample["kind"] == "test"]
    assert any("comparison" in test and test["comparison"]["text"] for test in tests)
    assert any("comparison" in test and "actual_len" in test["comparison"] for test in tests)
    assert any("file" in test.get("panic", {}) for test in tests)
    assert any("panic" in test and "file" not in test["panic"] for test in tests)
    assert {test["when"] for test in tests} == {"setup", "call", "teardown"}
    assert {test["outcome"] for test in tests} == {"passed", "failed", "skipped"}
    assert any(test["outcome"] == "failed" and "exception" not in test for test in tests)
    leaks = [sample for sample in SAMPLES if sample["kind"] == "leak"]
    assert {leak["check"] for leak in leaks} == {"hunt", "assert_no_leaks"}
    assert any("where" in leak and "types" in leak for leak in leaks)
    assert any("object" in leak for leak in leaks)
    perf = [sample for sample in SAMPLES if sample["kind"] == "perf"]
    assert {record["outcome"] for record in perf} == {"measured", "error"}
    assert {record["timer"] for record in perf} == {"cpu", "wall"}
    assert any(record["outcome"] == "error" and "threshold" not in record for record in perf)
    assert any("hint" not in record for record in perf) and any("hint" in record for record in perf)
    reasons = set(SCHEMA["$defs"]["perf_skipped"]["properties"]["reason"]["enum"])
    assert {sample["reason"] for sample in SAMPLES if sample["kind"] == "perf_skipped"} == reasons


# --- real plugin runs ---------------------------------------------------------------------------------


def run_plugin(pytester, monkeypatch, files, perf=(), leaks=True, memory=()):
    """Run pytest on `files` in a fresh process with the plugin, as the grader does; return its records."""
    results_path = pytester.path / "results.jsonl"
    config = {
        "results_path": str(results_path),
        "lock_path": str(pytester.path / "measure.lock"),
        "exercise": {"tests_dir": str(pytester.path)},
        "leaks": {"enabled": leaks, "warmup_rounds": 3, "measured_rounds": 4, "tests": []},
        "memory": list(memory),
        "memory_enabled": bool(memory),
        "perf": list(perf),
        "perf_enabled": bool(perf),
        "perf_pairs": 3,
    }
    (pytester.path / "config.json").write_text(json.dumps(config))
    monkeypatch.setenv("LESSONGRADER_CONFIG", str(pytester.path / "config.json"))
    monkeypatch.setenv("PYTHONPATH", str(PYTHON_DIR))
    for name, source in files.items():
        (pytester.path / f"{name}.py").write_text(textwrap.dedent(source))
    pytester.runpytest_subprocess("-p", "lessongrader.plugin", "-p", "no:cacheprovider", "-q", "--tb=line")
    return [json.loads(line) for line in results_path.read_text(encoding="utf-8").splitlines()]


def check_run(records):
    """Every record validates, in the order the schema's description gives."""
    for record in records:
        validate(record)
    kinds = [record["kind"] for record in records]
    assert kinds[0] == "session_start"
    assert kinds[-1] == "session_finish" and kinds.count("session_finish") == 1
    if "tests_done" in kinds:
        done = kinds.index("tests_done")
        assert kinds.count("tests_done") == 1
        assert set(kinds[:done]) <= {"session_start", "collect_error", "test_start", "test"}
        assert set(kinds[done + 1:]) <= {"rerun_start", "leak", "leak_summary", "memory", "memory_skipped", "perf",
                                          "perf_skipped", "session_finish"}
        tests = {record["nodeid"] for record in records if record["kind"] == "test"}
        failed = {record["nodeid"] for record in records if record["kind"] == "test" and record["outcome"] == "failed"}
        assert records[done]["failed"] == len(failed) + kinds.count("collect_error")
        assert records[done]["collected"] >= len(tests)
    if "leak_summary" in kinds:
        assert "leak" not in kinds[kinds.index("leak_summary"):]
        assert "rerun_start" not in kinds[kinds.index("leak_summary"):]
    if "perf" in kinds:
        assert kinds.index("perf") > kinds.index("leak_summary")
    for kind in ("memory", "memory_skipped"):
        if kind in kinds:
            assert kinds.index(kind) > kinds.index("leak_summary")
            assert all(kinds.index(kind) < index for index, later in enumerate(kinds) if later.startswith("perf"))
    return kinds


FAILING = '''
    import ctypes
    import sys
    import pytest

    class PanicException(BaseException):
        """Stands in for pyo3_runtime.PanicException (matched by name)."""

    @pytest.fixture
    def broken():
        raise RuntimeError("cannot set up")

    @pytest.fixture
    def closes_badly():
        yield 1
        raise OSError("left open")

    def test_passes():
        assert sorted([3, 1, 2]) == [1, 2, 3]

    def test_list_comparison():
        assert [1, 2, 3] == [1, 2, 4]

    def test_text_comparison():
        assert "a b\\nc" == "a\\nb c"

    def test_todo():
        sys.stderr.write("thread '<unnamed>' panicked at src/lib.rs:12:5:\\nnot yet implemented: wrap\\n")
        raise PanicException("not yet implemented: wrap")

    def test_panic_without_location():
        raise PanicException("attempt to divide by zero")

    def test_setup_error(broken):
        pass

    def test_teardown_error(closes_badly):
        assert closes_badly == 1

    def test_skipped():
        pytest.skip("not on this platform")

    @pytest.mark.xfail(strict=True, reason="fixed later")
    def test_strict_xpass():
        pass

    def test_leaks_but_passes():
        ctypes.pythonapi.Py_IncRef(ctypes.py_object("a leaked constant string"))
'''


def test_a_run_with_every_kind_of_test_outcome(pytester, monkeypatch):
    records = run_plugin(pytester, monkeypatch, {"test_outcomes": FAILING},
                         perf=[{"name": "never", "baseline": "x:y", "candidate": "x:z", "setup": "x:s", "min_speedup": 2.0}],
                         memory=[{"name": "never", "call": "x:z", "setup": "x:s", "input_bytes": 1 << 20}])
    kinds = check_run(records)
    tests = {(record["name"], record["when"]): record for record in records if record["kind"] == "test"}
    assert tests[("test_passes", "call")]["outcome"] == "passed"
    assert tests[("test_list_comparison", "call")]["comparison"]["actual_len"] == 3
    assert tests[("test_text_comparison", "call")]["comparison"]["text"] is True
    assert tests[("test_todo", "call")]["panic"] == {
        "message": "not yet implemented: wrap", "todo": True, "file": "src/lib.rs", "line": 12, "column": 5,
    }
    assert tests[("test_panic_without_location", "call")]["panic"] == {"message": "attempt to divide by zero", "todo": False}
    assert tests[("test_setup_error", "setup")]["exception"] == "RuntimeError"
    assert ("test_setup_error", "call") not in tests
    assert tests[("test_teardown_error", "teardown")]["exception"] == "OSError"
    assert tests[("test_skipped", "call")]["outcome"] == "skipped"
    xpass = tests[("test_strict_xpass", "call")]
    assert xpass["outcome"] == "failed" and "exception" not in xpass and "XPASS(strict)" in xpass["message"]
    assert next(record for record in records if record["kind"] == "tests_done") == {
        "kind": "tests_done", "collected": 10, "failed": 7,
    }
    # The leak phase still ran on the tests that passed; the perf cases did not.
    assert any(record["kind"] == "leak" and record["test"].endswith("test_leaks_but_passes") for record in records)
    assert {"rerun_start", "leak", "leak_summary", "memory_skipped", "perf_skipped"} <= set(kinds)
    assert next(record for record in records if record["kind"] == "memory_skipped") == {
        "kind": "memory_skipped", "reason": "tests_failed"}
    assert next(record for record in records if record["kind"] == "perf_skipped") == {"kind": "perf_skipped", "reason": "tests_failed"}


PASSING = '''
    import ctypes
    from lessongrader import assert_no_leaks

    class Thing:
        pass

    def keep(value):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(value))

    def test_clean():
        assert sum([1, 2]) == 3

    def test_leaks_a_list():
        ctypes.pythonapi.Py_IncRef(ctypes.py_object([1, 2, 3]))

    def test_checked():
        assert_no_leaks(keep, Thing(), calls=200)

    RUNS = []

    def test_not_repeatable():
        RUNS.append(1)
        assert len(RUNS) == 1
'''

SUBJECT = '''
    def make_input():
        return ([float(i % 97) for i in range(3000)],)

    def baseline(values):
        total = 0.0
        for value in values:
            total += value * value
        return total

    def same(values):
        total = 0.0
        for value in values:
            total += value * value
        return total

    def wrong(values):
        return 1.0

    def make_memory_input(size):
        return (bytearray(size),)

    def copies(data):
        return len(bytes(data))
'''


def test_a_passing_run_with_leaks_and_perf(pytester, monkeypatch):
    case = {"baseline": "perf_subject:baseline", "setup": "perf_subject:make_input", "min_speedup": 0.2, "threads": False}
    records = run_plugin(
        pytester, monkeypatch, {"test_passing": PASSING, "perf_subject": SUBJECT},
        perf=[dict(case, name="same", candidate="perf_subject:same", hint="take the list once"),
              dict(case, name="wrong", candidate="perf_subject:wrong")],
        memory=[{"name": "copies", "call": "perf_subject:copies", "setup": "perf_subject:make_memory_input",
                 "input_bytes": 8 << 20, "hint": "borrow it"}],
    )
    kinds = check_run(records)
    assert next(record for record in records if record["kind"] == "tests_done") == {
        "kind": "tests_done", "collected": 4, "failed": 0,
    }
    assert {record["check"] for record in records if record["kind"] == "leak"} == {"hunt", "assert_no_leaks"}
    summary = next(record for record in records if record["kind"] == "leak_summary")
    assert summary["skipped"][0]["test"].endswith("test_not_repeatable")
    perf = {record["case"]: record for record in records if record["kind"] == "perf"}
    assert perf["same"]["outcome"] == "measured" and perf["same"]["hint"] == "take the list once"
    assert perf["wrong"]["outcome"] == "error"
    memory = next(record for record in records if record["kind"] == "memory")
    assert (memory["case"], memory["input_bytes"], memory["hint"]) == ("copies", 8 << 20, "borrow it")
    if memory["outcome"] == "measured":  # Linux: the copy is seen
        assert memory["extra_bytes"] >= 7 << 20
    assert set(kinds) == set(record_kinds()) - {"collect_error", "perf_skipped", "memory_skipped"}


def test_a_run_stopped_by_a_collection_error(pytester, monkeypatch):
    records = run_plugin(pytester, monkeypatch, {"test_fine": "def test_fine():\n    pass\n",
                                                 "test_broken": "import no_such_module_anywhere\n"},
                         perf=[{"name": "c", "baseline": "x:y", "candidate": "x:z", "setup": "x:s", "min_speedup": 2.0}])
    kinds = check_run(records)
    assert kinds == ["session_start", "collect_error", "tests_done", "leak_summary", "perf_skipped", "session_finish"]
    assert records[2] == {"kind": "tests_done", "collected": 1, "failed": 1}


def test_a_run_interrupted_by_a_test(pytester, monkeypatch):
    source = "def test_interrupts():\n    raise KeyboardInterrupt\n\ndef test_never_runs():\n    pass\n"
    records = run_plugin(pytester, monkeypatch, {"test_interrupt": source},
                         perf=[{"name": "c", "baseline": "x:y", "candidate": "x:z", "setup": "x:s", "min_speedup": 2.0}])
    kinds = check_run(records)
    assert "tests_done" not in kinds  # the tests did not all run: no verdict
    assert records[-2] == {"kind": "perf_skipped", "reason": "tests_interrupted"}
