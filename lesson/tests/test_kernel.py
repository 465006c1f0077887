"""The sum-of-squares kernel: pure Python, C API, Cython and PyO3 agree (chapters 7, 8, 10)."""
import array
import random

import pytest


@pytest.fixture(params=["python", "c", "cython", "pyo3"])
def impl(request, sumsq_py, sumsq_c, sumsq_cy, hello_pyo3):
    return {"python": sumsq_py, "c": sumsq_c, "cython": sumsq_cy, "pyo3": hello_pyo3.kernel}[
        request.param
    ]


@pytest.fixture(params=["c", "cython", "pyo3"])
def buffer_impl(request, sumsq_c, sumsq_cy, hello_pyo3):
    return {"c": sumsq_c, "cython": sumsq_cy, "pyo3": hello_pyo3.kernel}[request.param]


def reference(values):
    total = 0.0
    for x in values:
        total += x * x
    return total


@pytest.mark.parametrize("values", [
    [], [3.0], [1.0, 2.0, -3.5], (0.5, 0.25), [1, 2, 3], [True, 2.5], [-0.0], [1e200, 1e200],
])
def test_sequence_inputs(impl, values):
    assert impl.sum_of_squares(values) == reference(values)


def test_empty_is_positive_zero(impl):
    result = impl.sum_of_squares([])
    assert result == 0.0 and str(result) == "0.0" and type(result) is float


def test_large_random_input_is_bit_identical(impl):
    rng = random.Random(19)
    values = [rng.uniform(-1e3, 1e3) for _ in range(10_000)]
    # Same additions in the same order, IEEE doubles everywhere: the results are equal, not close.
    assert impl.sum_of_squares(values) == reference(values)


def test_overflow_gives_inf(impl):
    assert impl.sum_of_squares([1e200, 1e200]) == float("inf")


@pytest.mark.parametrize("bad", [["a"], [1.0, None], "abc"])
def test_non_numbers_are_type_errors(impl, bad):
    with pytest.raises(TypeError):
        impl.sum_of_squares(bad)


def test_not_iterable_is_type_error(impl):
    with pytest.raises(TypeError):
        impl.sum_of_squares(42)


def test_generators_accepted_except_by_vec_extraction(sumsq_py, sumsq_c, sumsq_cy, hello_pyo3):
    for module in (sumsq_py, sumsq_c, sumsq_cy):
        assert module.sum_of_squares(x for x in [1.0, 2.0]) == 5.0
    # Vec<f64> extraction wants a Sequence: a generator has no len() to size the Vec.
    with pytest.raises(TypeError, match="not an instance of 'Sequence'"):
        hello_pyo3.kernel.sum_of_squares(x for x in [1.0, 2.0])


def test_pyo3_list_variant(hello_pyo3):
    kernel = hello_pyo3.kernel
    rng = random.Random(3)
    values = [rng.uniform(-5, 5) for _ in range(1000)] + [7, True]
    assert kernel.sum_of_squares_list(values) == reference(values)
    assert kernel.sum_of_squares_list([]) == 0.0
    with pytest.raises(TypeError, match="'tuple' object is not an instance of 'list'"):
        kernel.sum_of_squares_list((1.0, 2.0))  # a &Bound<PyList> parameter takes lists only
    with pytest.raises(TypeError, match="must be real number, not str"):
        kernel.sum_of_squares_list([1.0, "2"])


def test_builtin_variant(sumsq_py):
    assert sumsq_py.sum_of_squares_builtin([1.0, 2.0]) == 5.0
    assert sumsq_py.sum_of_squares_builtin([]) == 0  # sum() starts from the int 0


# -- buffers (chapter 7) --------------------------------------------------------------------

def test_buffer_array_d(buffer_impl):
    values = array.array("d", [1.0, 2.0, -3.5])
    assert buffer_impl.sum_of_squares_buffer(values) == 17.25
    assert buffer_impl.sum_of_squares_buffer(array.array("d")) == 0.0


def test_buffer_reads_memory_in_place(buffer_impl):
    values = array.array("d", [1.0, 2.0])
    view = memoryview(values)
    assert buffer_impl.sum_of_squares_buffer(view) == 5.0
    values[0] = 3.0  # the view shares the array's memory: the next call sees the change
    assert buffer_impl.sum_of_squares_buffer(view) == 13.0


def test_buffer_from_bytes_cast(buffer_impl):
    raw = array.array("d", [0.5, 1.5]).tobytes()  # read-only bytes, viewed as doubles
    assert buffer_impl.sum_of_squares_buffer(memoryview(raw).cast("d")) == 2.5


def test_buffer_agrees_with_sequence(buffer_impl):
    rng = random.Random(7)
    values = array.array("d", (rng.random() for _ in range(5000)))
    assert buffer_impl.sum_of_squares_buffer(values) == reference(values)


def test_buffer_numpy_if_available(buffer_impl):
    np = pytest.importorskip("numpy")
    values = np.arange(10, dtype=np.float64)
    assert buffer_impl.sum_of_squares_buffer(values) == 285.0


def test_buffer_refuses_non_buffers(buffer_impl):
    for bad in ([1.0, 2.0], "abc", 42):
        with pytest.raises(TypeError, match="bytes-like object is required"):
            buffer_impl.sum_of_squares_buffer(bad)


@pytest.mark.parametrize("floats", [array.array("f", [1.0]), array.array("f")],
                         ids=["floats", "empty floats"])
def test_buffer_wrong_item_type(sumsq_c, sumsq_cy, hello_pyo3, floats):
    # 4-byte floats, not doubles; an empty array must be refused too (the type is still wrong).
    with pytest.raises(BufferError, match="buffer must hold doubles \\(format 'd'\\), not format 'f'"):
        sumsq_c.sum_of_squares_buffer(floats)
    with pytest.raises(BufferError, match="buffer contents are not compatible with f64"):
        hello_pyo3.kernel.sum_of_squares_buffer(floats)
    with pytest.raises(ValueError, match="Buffer dtype mismatch"):  # Cython's own wording
        sumsq_cy.sum_of_squares_buffer(floats)


def test_buffer_not_contiguous(sumsq_c, sumsq_cy, hello_pyo3):
    every_other = memoryview(array.array("d", [1.0, 2.0, 3.0]))[::2]
    for module in (sumsq_c, sumsq_cy):  # both ask the exporter for a contiguous buffer
        with pytest.raises(BufferError, match="not C-contiguous"):
            module.sum_of_squares_buffer(every_other)
    with pytest.raises(BufferError, match="^buffer must be C-contiguous$"):  # PyO3: we check
        hello_pyo3.kernel.sum_of_squares_buffer(every_other)
    # The sequence variants accept the same view: they go item by item.
    assert sumsq_c.sum_of_squares(every_other) == 10.0


def test_buffer_keeps_exporter_locked(buffer_impl):
    """While a buffer is exported, a bytearray cannot resize; the kernels release it on return."""
    data = bytearray(array.array("d", [2.0]).tobytes())
    assert buffer_impl.sum_of_squares_buffer(memoryview(data).cast("d")) == 4.0
    data.extend(b"\0" * 8)  # would raise BufferError if a kernel had leaked its Py_buffer
    assert len(data) == 16


# -- Python code running inside the loop (chapters 7, 8) ------------------------------------

HOSTILE = """
import importlib.machinery, importlib.util, sys

def load(name, path):
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module

kernel = load(sys.argv[1], sys.argv[2])
for part in sys.argv[3].split("."):
    kernel = getattr(kernel, part)

class ClearsTheList:
    # Converting this item runs Python code that empties the list being summed: its other
    # items (fresh floats, referenced by nobody else) and its item array are freed.
    def __float__(self):
        values.clear()
        return 3.0

values = [ClearsTheList()] + [float(i) + 0.5 for i in range(10_000)]
print(kernel(values))
"""


@pytest.mark.parametrize("variant", ["c", "cython", "pyo3-vec", "pyo3-list"])
def test_float_conversion_that_mutates_the_list(sumsq_c, sumsq_cy, hello_pyo3, variant):
    """`__float__` may run anything. Like Python's own `for x in values`, every kernel must see
    the list shrink (the sum is 3.0 ** 2) and never read the freed items (the C kernel used to
    borrow the item array once, read freed memory and sum stale values or crash)."""
    import subprocess
    import sys

    module, name, attr = {
        "c": (sumsq_c, "sumsq_c", "sum_of_squares"),
        "cython": (sumsq_cy, "sumsq_cy", "sum_of_squares"),
        "pyo3-vec": (hello_pyo3, "hello_pyo3", "kernel.sum_of_squares"),
        "pyo3-list": (hello_pyo3, "hello_pyo3", "kernel.sum_of_squares_list"),
    }[variant]
    proc = subprocess.run([sys.executable, "-c", HOSTILE, name, module.__file__, attr],
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "9.0\n", "")


def test_pyo3_buffer_kernel_keeps_the_gil(hello_pyo3):
    """The PyO3 buffer kernel holds a `&[f64]` into Python memory: sound only while no other
    thread runs Python code. Since 3.13 a module must say so (`Py_mod_gil`): PyO3 0.30 declares
    Py_MOD_GIL_NOT_USED unless told `gil_used = true`, and a free-threaded interpreter would then
    let other threads write the buffer during the loop. Before 3.13 the slot does not exist and
    every build has a GIL."""
    import sys
    import sysconfig

    import modslots

    slots = modslots.module_slots(hello_pyo3)
    if sys.version_info >= (3, 13):
        assert slots.get("Py_mod_gil") == 0, "hello_pyo3 must declare Py_MOD_GIL_USED"
    else:
        assert "Py_mod_gil" not in slots
        assert not sysconfig.get_config_var("Py_GIL_DISABLED")
    assert "Py_mod_exec" in slots  # PyO3 modules use multi-phase init on every version
