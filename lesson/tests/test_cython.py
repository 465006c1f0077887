"""Chapter 8, beyond the kernel: pure-Python mode, a cdef class, prange without the GIL, and
the annotated HTML of `cython -a`."""
import array
import importlib.util
import sys

import pytest

import lessonbuild

CYTHON = lessonbuild.EXAMPLES / "cython"
sys.path.insert(0, str(CYTHON))
import annotate  # noqa: E402


@pytest.fixture(scope="module")
def stats(build_dir):
    path = lessonbuild.build_cython_extension(CYTHON / "stats.pyx", "stats", build_dir,
                                              extra_flags=["-fopenmp"])
    return lessonbuild.load_extension("stats", path)


@pytest.fixture(scope="module")
def pure_compiled(build_dir):
    path = lessonbuild.build_cython_extension(CYTHON / "pure_mode.py", "pure_mode", build_dir)
    return lessonbuild.load_extension("pure_mode", path)


@pytest.fixture(scope="module")
def pure_python():
    spec = importlib.util.spec_from_file_location("pure_mode_py", CYTHON / "pure_mode.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- pure-Python mode ---------------------------------------------------------------------

def test_pure_mode_runs_as_python_and_compiled(pure_python, pure_compiled):
    values = array.array("d", [1.0, 2.0, -3.5])
    assert pure_python.is_compiled() is False
    assert pure_compiled.is_compiled() is True
    assert pure_python.sum_of_squares(values) == pure_compiled.sum_of_squares(values) == 17.25
    assert pure_compiled.__file__.endswith(lessonbuild.EXT_SUFFIX)


def test_pure_mode_cfunc_is_hidden_once_compiled(pure_python, pure_compiled):
    assert pure_python._square(3.0) == 9.0         # plain Python: an ordinary function
    assert not hasattr(pure_compiled, "_square")   # @cython.cfunc: a C function only


def test_pure_mode_types_are_checked_when_compiled(pure_compiled):
    with pytest.raises(ValueError, match="Buffer dtype mismatch"):
        pure_compiled.sum_of_squares(array.array("f", [1.0]))


# -- cdef class ---------------------------------------------------------------------------

def test_cdef_class_fields_and_methods(stats):
    acc = stats.Accumulator()
    for x in (1.0, 2.0, 3.0, 4.0):
        acc.add(x)
    assert (acc.count, acc.mean, acc.variance()) == (4, 2.5, 1.25)
    with pytest.raises(AttributeError):
        acc.total                   # a `cdef` field is invisible from Python
    with pytest.raises(AttributeError):
        acc.count = 0               # `readonly`: visible, not writable
    with pytest.raises(TypeError):
        acc.add("1")                # `double x`: converted, or TypeError
    with pytest.raises(ZeroDivisionError):
        stats.Accumulator().mean


# -- prange, nogil ------------------------------------------------------------------------

def test_prange_sum_is_exact_on_integers(stats):
    # Integer-valued doubles: every partial sum is exact, so the threads' order does not matter.
    values = array.array("d", range(100_000))
    assert stats.parallel_sum_of_squares(values, 2) == float(sum(i * i for i in range(100_000)))
    assert stats.parallel_sum_of_squares(array.array("d")) == 0.0


def test_prange_uses_several_threads(stats):
    assert stats.threads_seen(10_000, 2) == [0, 1]
    assert stats.threads_seen(10_000, 1) == [0]


# -- cython -a ----------------------------------------------------------------------------

def test_annotated_html_shows_where_python_is_touched():
    rows = {text.strip(): score for _, score, text in annotate.annotate(CYTHON / "stats.pyx")}
    assert rows["total += values[i] * values[i]    # `+=` in prange: a reduction, one "
                "partial sum per thread"] == 0        # pure C: white
    assert rows["self.total += x"] == 0               # a C field of a cdef class
    assert rows["for x in values:"] > 20              # the Python iterator protocol: yellow
    assert rows["def python_sum(values):"] > 0


def test_line_scores_parses_cythons_markup():
    page = ('<pre class="cython line score-0">&#xA0;<span class="">01</span>: '
            '<span class="k">cdef</span> int x</pre>\n'
            '<pre class="cython line score-17" onclick="f()">+<span class="">02</span>: '
            'x = y &lt; 3</pre>')
    assert annotate.line_scores(page) == [(1, 0, "cdef int x"), (2, 17, "x = y < 3")]
