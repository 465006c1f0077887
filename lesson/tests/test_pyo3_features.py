"""What PyO3 does for you (chapter 4), exceptions (chapter 5) and the GIL (chapter 6)."""
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest


# -- chapter 4: Bound, Py, conversions -------------------------------------------------------

METH_VARARGS, METH_KEYWORDS, METH_NOARGS, METH_O, METH_FASTCALL = 0x1, 0x2, 0x4, 0x8, 0x80


def calling_convention(function) -> int:
    """ml_flags of a builtin function: PyCFunctionObject.m_ml->ml_flags, read with ctypes."""
    import ctypes

    class PyMethodDef(ctypes.Structure):
        _fields_ = [("ml_name", ctypes.c_char_p), ("ml_meth", ctypes.c_void_p),
                    ("ml_flags", ctypes.c_int), ("ml_doc", ctypes.c_char_p)]

    class PyCFunctionObject(ctypes.Structure):
        _fields_ = [("ob_refcnt", ctypes.c_ssize_t), ("ob_type", ctypes.c_void_p),
                    ("m_ml", ctypes.POINTER(PyMethodDef))]

    assert type(function).__name__ == "builtin_function_or_method"
    method = PyCFunctionObject.from_address(id(function)).m_ml.contents
    assert method.ml_name.decode() == function.__name__  # we are reading the right struct
    return method.ml_flags & (METH_VARARGS | METH_KEYWORDS | METH_NOARGS | METH_O | METH_FASTCALL)


def test_pyfunction_calling_conventions(hello_pyo3, hello_c):
    """Chapter 4: PyO3 picks the convention from the signature, as chapter 3 does by hand."""
    assert calling_convention(hello_pyo3.hello_world) == METH_NOARGS
    assert calling_convention(hello_pyo3.greet) == METH_FASTCALL | METH_KEYWORDS
    assert calling_convention(hello_pyo3.count_keywords) == METH_VARARGS | METH_KEYWORDS
    assert hello_pyo3.count_keywords(a=1, b=2) == 2 and hello_pyo3.count_keywords() == 0
    # The C module's table says the same by hand.
    assert calling_convention(hello_c.hello_world) == METH_NOARGS
    assert calling_convention(hello_c.greet) == METH_VARARGS | METH_KEYWORDS
    assert calling_convention(hello_c.make_pair) == METH_FASTCALL
    assert calling_convention(hello_c.refcount_of) == METH_O

def test_describe_calls_python_methods(hello_pyo3):
    assert hello_pyo3.describe([1, 2, 3]) == "list of length 3"
    assert hello_pyo3.describe("Zoë") == "str of length 3"


def test_describe_propagates_type_error(hello_pyo3):
    with pytest.raises(TypeError, match="has no len"):
        hello_pyo3.describe(42)


def test_word_lengths_converts_both_ways(hello_pyo3):
    assert hello_pyo3.word_lengths(["a", "Zoë", "snake🐍"]) == {"a": 1, "Zoë": 3, "snake🐍": 6}
    assert hello_pyo3.word_lengths(("x", "x")) == {"x": 1}
    assert hello_pyo3.word_lengths([]) == {}


def test_word_lengths_refuses_a_str_and_non_str_items(hello_pyo3):
    with pytest.raises(TypeError, match="Can't extract `str` to `Vec`"):
        hello_pyo3.word_lengths("abc")  # a str is a sequence, but PyO3 refuses to split it
    with pytest.raises(TypeError):
        hello_pyo3.word_lengths(["a", 1])


def test_greeter_keeps_a_python_object(hello_pyo3):
    salutation = "".join(["Good ", "morning"])  # a fresh str, not shared with anything else
    before = sys.getrefcount(salutation)
    greeter = hello_pyo3.Greeter(salutation)
    assert sys.getrefcount(salutation) == before + 1  # the Py<PyString> field owns a reference
    assert greeter.greet("Ada") == "Good morning, Ada!"
    assert greeter.salutation is salutation
    del greeter
    assert sys.getrefcount(salutation) == before  # dropping the Py released it


def test_greeter_needs_a_str(hello_pyo3):
    with pytest.raises(TypeError):
        hello_pyo3.Greeter(42)


# -- chapter 5: exceptions -----------------------------------------------------------------

def test_custom_exception_type(hello_pyo3):
    error_type = hello_pyo3.GreetingError
    assert issubclass(error_type, ValueError)
    assert error_type.__module__ == "hello_pyo3"
    assert error_type.__doc__ == "Raised when a greeting cannot be built."


def test_parse_age(hello_pyo3):
    assert hello_pyo3.parse_age(" 42 ") == 42
    assert hello_pyo3.parse_age("0") == 0


def test_parse_age_chains_the_cause(hello_pyo3):
    with pytest.raises(hello_pyo3.GreetingError, match='not an age: "forty"') as info:
        hello_pyo3.parse_age("forty")
    cause = info.value.__cause__
    assert type(cause) is ValueError
    assert str(cause) == "invalid digit found in string"


def test_parse_age_out_of_range(hello_pyo3):
    with pytest.raises(hello_pyo3.GreetingError, match="^implausible age: 151$") as info:
        hello_pyo3.parse_age("151")
    assert info.value.__cause__ is None
    with pytest.raises(ValueError, match="not an age"):  # too big for u8: a parse error
        hello_pyo3.parse_age("256")


def test_apply_propagates_the_same_exception_object(hello_pyo3):
    raised = KeyError("missing")

    def fail(_):
        raise raised

    with pytest.raises(KeyError) as info:
        hello_pyo3.apply(fail, 1)
    assert info.value is raised
    assert any(entry.name == "fail" for entry in info.traceback)  # the Python frame survives
    assert hello_pyo3.apply(len, "abc") == 3


# ANCHOR: panic
def test_panic_is_a_base_exception(hello_pyo3):
    with pytest.raises(BaseException) as info:
        try:
            hello_pyo3.panic_now("boom")
        except Exception:  # noqa: BLE001 - the point: this does NOT catch a panic
            pytest.fail("PanicException must not be caught by `except Exception`")
    assert type(info.value).__name__ == "PanicException"
    assert not isinstance(info.value, Exception)
    assert str(info.value) == "boom"
# ANCHOR_END: panic


def test_panic_message_and_backtrace_on_stderr(hello_pyo3):
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('hello_pyo3', {hello_pyo3.__file__!r})\n"
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
            "m.panic_now('deliberate')\n")
    env = {**os.environ, "RUST_BACKTRACE": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 1  # an uncaught exception, not a crash
    assert "panicked at" in proc.stderr and "deliberate" in proc.stderr
    assert "stack backtrace:" in proc.stderr
    assert "pyo3_runtime.PanicException: deliberate" in proc.stderr


# -- chapter 6: the GIL ---------------------------------------------------------------------

# ANCHOR: gil
def _wait_while_another_thread_sets(flag, *, detach, timeout_ms):
    setter = threading.Timer(0.02, flag.set)
    setter.start()
    started = time.perf_counter()
    result = flag.wait(timeout_ms, detach=detach)
    elapsed = time.perf_counter() - started
    setter.join()
    return result, elapsed


def test_detached_wait_lets_python_threads_run(hello_pyo3):
    flag = hello_pyo3.Flag()
    raised, elapsed = _wait_while_another_thread_sets(flag, detach=True, timeout_ms=5000)
    assert raised is True
    assert elapsed < 4.0


def test_attached_wait_blocks_every_python_thread(hello_pyo3):
    flag = hello_pyo3.Flag()
    raised, elapsed = _wait_while_another_thread_sets(flag, detach=False, timeout_ms=300)
    assert raised is False  # the setter thread could not run while we held the GIL
    assert elapsed >= 0.3
    assert flag.wait(0, detach=False) is True  # it ran as soon as we let go
# ANCHOR_END: gil


def test_wait_detach_is_keyword_only(hello_pyo3):
    with pytest.raises(TypeError):
        hello_pyo3.Flag().wait(10, True)


def test_chapter_9_quotes_the_real_panic_location(hello_pyo3):
    """The panic output quoted in chapter 9 names the line where panic_now really panics."""
    lesson = Path(__file__).resolve().parent.parent
    source = (lesson / "examples" / "hello-pyo3" / "src" / "lib.rs").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if 'panic!("{message}")' in text)
    column = source[line - 1].index("panic!") + 1
    location = f"lesson/examples/hello-pyo3/src/lib.rs:{line}:{column}"
    assert f"panicked at {location}:" in (lesson / "src" / "ch09-debugging.md").read_text()
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import hello_pyo3; "
         "hello_pyo3.panic_now('x')", str(Path(hello_pyo3.__file__).parent)],
        capture_output=True, text=True, timeout=60)
    assert f"panicked at {location}:" in proc.stderr
