"""Code the grader runs inside the learner's Python process.

- `plugin`  — the pytest plugin (`-p lessongrader.plugin`): records every test's outcome, the values
              of a failed `==` assertion, `todo!()` sites, and runs the leak hunt and perf cases;
- `results` — the private results file the grader reads (never stdout);
- `leaks`   — reference-count / memory leak detection on a release CPython (`assert_no_leaks`);
- `perf`    — noise-resistant speed comparison against a pure-Python baseline;
- `sealed/`  — NOT run in the learner's process: the trusted runner of sealed grading
              (`python -m lessongrader.sealed`) and the worker it starts (see sealed/__init__.py);
- `wire/`   — records.schema.json, the definition of every record in the results file, and
              samples.jsonl, examples that both test suites check (tests/test_wire.py, src/wire.rs).
"""

__all__ = ["assert_no_leaks"]


def __getattr__(name):
    # Imported on first use: loading the plugin must stay cheap when leak checks are off.
    if name == "assert_no_leaks":
        from .leaks import assert_no_leaks

        return assert_no_leaks
    raise AttributeError(f"module 'lessongrader' has no attribute {name!r}")
