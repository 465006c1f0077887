"""The C `hello` module (chapter 3) and its PyO3 twin (chapter 4) behave the same way."""
import gc
import signal
import sys
import threading
import time

import pytest


@pytest.fixture(params=["c", "pyo3"])
def hello(request):
    return request.getfixturevalue("hello_c" if request.param == "c" else "hello_pyo3")


def test_hello_world_c(hello_c):
    assert hello_c.hello_world() == "Hello from C!"


def test_hello_world_pyo3(hello_pyo3):
    assert hello_pyo3.hello_world() == "Hello from Rust!"


def test_module_identity(hello_c, hello_pyo3):
    assert hello_c.__name__ == "hello"
    assert hello_c.__doc__ == "The lesson's hello module, written in C."
    assert hello_pyo3.__name__ == "hello_pyo3"
    assert hello_c.__file__.endswith(".so") and hello_pyo3.__file__.endswith(".so")


@pytest.mark.parametrize(("name", "expected"), [
    ("Ada", "Hello, Ada!"),
    ("  Grace \n", "Hello, Grace!"),
    ("Zoë 🐍", "Hello, Zoë 🐍!"),
])
def test_greet(hello, name, expected):
    assert hello.greet(name) == expected


def test_greet_by_keyword(hello):
    assert hello.greet(name="Ada") == "Hello, Ada!"


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_greet_blank_is_value_error(hello, blank):
    with pytest.raises(ValueError, match="^name must not be empty$"):
        hello.greet(blank)


@pytest.mark.parametrize("bad", [42, None, b"Ada", ["Ada"]])
def test_greet_wrong_type_is_type_error(hello, bad):
    with pytest.raises(TypeError):
        hello.greet(bad)


def test_greet_wrong_arity_is_type_error(hello):
    with pytest.raises(TypeError):
        hello.greet()
    with pytest.raises(TypeError):
        hello.greet("a", "b")


def test_make_pair(hello):
    a, b = object(), [1]
    pair = hello.make_pair(a, b)
    assert type(pair) is tuple and pair[0] is a and pair[1] is b
    with pytest.raises(TypeError):
        hello.make_pair(a)


# ANCHOR: balanced
def test_make_pair_keeps_refcounts_balanced(hello):
    """Stolen references done right: after the tuples die, counts are back where they were."""
    a, b = object(), object()
    before = sys.getrefcount(a), sys.getrefcount(b)
    pairs = [hello.make_pair(a, b) for _ in range(1000)]
    assert sys.getrefcount(a) == before[0] + 1000  # each tuple owns one reference
    del pairs
    gc.collect()
    assert (sys.getrefcount(a), sys.getrefcount(b)) == before
# ANCHOR_END: balanced


def test_refcount_of_sees_the_argument(hello):
    obj = object()
    # getrefcount's own argument adds 1; in the extension, the call's argument adds 1 too.
    assert hello.refcount_of(obj) == sys.getrefcount(obj)


# ANCHOR: leak
def test_leak_a_reference_is_visible_from_python(hello_pyo3):
    """The deliberate bug of chapter 2: N calls leave N extra references behind."""
    obj = object()
    before = sys.getrefcount(obj)
    for _ in range(100):
        hello_pyo3.leak_a_reference(obj)
    assert sys.getrefcount(obj) - before == 100
# ANCHOR_END: leak


# ANCHOR: nap
def test_nap_lets_other_threads_run(hello_c):
    fired = []
    timer = threading.Timer(0.02, lambda: fired.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    hello_c.nap(0.5)
    ended = time.monotonic()
    timer.join()
    # The timer's callback ran DURING the nap: it could only do so if nap released the GIL.
    assert started < fired[0] < ended
    assert ended - started >= 0.5
# ANCHOR_END: nap


def test_nap_rejects_bad_durations(hello_c):
    with pytest.raises(ValueError, match="^seconds must be between 0 and 60$"):
        hello_c.nap(-1)
    with pytest.raises(ValueError):
        hello_c.nap(float("nan"))
    with pytest.raises(TypeError):
        hello_c.nap("1")
    assert hello_c.nap(0) is None


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
def test_nap_is_interruptible_by_signals(hello_c):
    """EINTR -> PyErr_CheckSignals -> the Python handler's exception propagates out of nap."""
    class Interrupted(Exception):
        pass

    def handler(signum, frame):
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        started = time.monotonic()
        with pytest.raises(Interrupted):
            hello_c.nap(10)
        assert time.monotonic() - started < 5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
