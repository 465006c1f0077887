"""Tests for lessongrader.signatures (the ast reading behind `cargo xtask new`) and the strategies
of lessongrader.differential."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lessongrader import differential, signatures

PYTHON_DIR = Path(__file__).resolve().parents[1]


def read(source):
    return signatures.read(textwrap.dedent(source))


def test_hints_become_type_trees():
    model = read(
        """
        from typing import Optional
        def f(a: int, b: list[float], c: dict[str, int], d: tuple[int, str], e: bytes | None,
              g: Optional[str] = None, h: "bool" = True) -> list[int]:
            "Doc."
        """
    )
    (f,) = model["functions"]
    kinds = {p["name"]: p["type"] for p in f["params"]}
    assert kinds["a"] == {"kind": "int"}
    assert kinds["b"] == {"kind": "list", "args": [{"kind": "float"}]}
    assert kinds["c"] == {"kind": "dict", "args": [{"kind": "str"}, {"kind": "int"}]}
    assert kinds["d"] == {"kind": "tuple", "args": [{"kind": "int"}, {"kind": "str"}]}
    assert kinds["e"] == {"kind": "optional", "args": [{"kind": "bytes"}]}
    assert kinds["g"] == {"kind": "optional", "args": [{"kind": "str"}]}
    assert kinds["h"] == {"kind": "bool"}
    assert f["params"][6]["default"] == {"value": True, "python": "True"}
    assert f["doc"] == "Doc."
    assert model["problems"] == []


def test_each_problem_names_function_line_and_what_is_generated():
    model = read(
        """
        import os

        def f(x, *args, y: int = os.sep, **kw) -> set[int]:
            pass
        """
    )
    problems = model["problems"]
    assert [p["function"] for p in problems] == ["f"] * 5
    assert all(p["line"] == 4 for p in problems)
    messages = " | ".join(p["message"] for p in problems)
    assert "parameter `x` has no type hint" in messages
    assert "`*args`" in messages and "`**kw`" in messages
    assert "`os.sep`, which is not a literal" in messages
    assert "`set[int]`" in messages
    assert all(p["generated"] for p in problems)
    assert model["functions"][0]["params"][1]["default"] is None


def test_classes_methods_and_private_names():
    model = read(
        """
        class Stack:
            "A stack."
            def __init__(self, items: list[int]) -> None: ...
            def push(self, x: int) -> None: ...
            def _secret(self) -> int: ...
        def _helper() -> int: ...
        """
    )
    (stack,) = model["classes"]
    assert model["functions"] == []
    assert [p["name"] for p in stack["init"]["params"]] == ["items"]
    assert [m["name"] for m in stack["methods"]] == ["push"]


def test_a_module_that_does_not_parse_is_an_error_with_its_line():
    assert read("def f(:\n")["error"]["line"] == 1
    assert "no public function" in read("X = 1\n")["error"]["message"]


def test_the_command_line_prints_json(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f(x: int) -> int:\n    return x\n")
    output = subprocess.run(
        [sys.executable, "-m", "lessongrader.signatures", str(module)],
        capture_output=True, text=True, cwd=PYTHON_DIR, check=True,
    )
    assert json.loads(output.stdout)["functions"][0]["name"] == "f"


def right(x: int, word: str) -> list[int]:
    if x < 0:
        raise ValueError(f"negative: {x}")
    return [x] * len(word)


def wrong(x: int, word: str) -> list[int]:
    return [x] * len(word)  # forgets the error


def test_check_function_passes_equal_and_shrinks_a_difference():
    differential.check_function(right, right)
    with pytest.raises(AssertionError) as caught:
        differential.check_function(right, wrong)
    assert str(caught.value) == "right(x=-1, word='') returned []; the original raised ValueError('negative: -1')"


def test_a_hint_outside_the_table_asks_for_a_strategy():
    def odd(p: complex) -> int:
        return 0

    with pytest.raises(differential.NoStrategy, match="pass one"):
        differential.check_function(odd, odd)
    differential.check_function(odd, odd, p=differential.st.just(1j))
