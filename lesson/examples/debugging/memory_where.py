"""Where does the memory go? tracemalloc (Python lines) and memray (native stacks), chapter 9.

    python lesson/examples/debugging/memory_where.py path/to/hello_pyo3.cpython-*.so

tracemalloc is in the standard library: it records a Python traceback for every block taken
from Python's allocators (PyMem_*, PyObject_*), so two snapshots compared by line show which
Python line allocated what is still alive — also when native code forgot to free it. memray (a
package, Linux and macOS) also hooks malloc itself and, with native traces, records the C and
Rust frames of each allocation: it sees what tracemalloc cannot, like a Vec a PyO3 function fills.
"""
from __future__ import annotations

import gc
import importlib.util
import sys
import tempfile
import tracemalloc
from pathlib import Path


def load_hello_pyo3(path: str):
    spec = importlib.util.spec_from_file_location("hello_pyo3", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ANCHOR: tracemalloc
def tracemalloc_growth(hello_pyo3, rounds: int = 200, clean: bool = False):
    """The line of this file whose live allocations grew most: (file:line, bytes, blocks)."""
    tracemalloc.start(5)
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(rounds):
            data = bytearray(1000)                      # the line tracemalloc will blame
            if clean:
                hello_pyo3.make_pair(data, None)        # balances its references
            else:
                hello_pyo3.leak_a_reference(data)       # one reference never released
            del data
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    here = after.filter_traces([tracemalloc.Filter(True, __file__)])
    stats = here.compare_to(before.filter_traces([tracemalloc.Filter(True, __file__)]), "lineno")
    grown = [stat for stat in stats if stat.size_diff > 0]
    if not grown:
        return None, 0, 0                              # nothing allocated here stayed alive
    top = max(grown, key=lambda stat: stat.size_diff)
    frame = top.traceback[0]
    return f"{Path(frame.filename).name}:{frame.lineno}", top.size_diff, top.count_diff
# ANCHOR_END: tracemalloc


# ANCHOR: memray
def memray_native(hello_pyo3, n: int = 1_000_000):
    """The native frames of the largest allocation made while PyO3 extracts a Vec<f64>."""
    import memray

    values = [float(i) for i in range(n)]
    with tempfile.TemporaryDirectory(prefix="memray-") as tmp:
        capture = Path(tmp) / "capture.bin"
        with memray.Tracker(capture, native_traces=True):
            hello_pyo3.kernel.sum_of_squares(values)  # Vec<f64> argument: n * 8 bytes
        reader = memray.FileReader(capture)
        biggest = max(reader.get_high_watermark_allocation_records(merge_threads=True),
                      key=lambda record: record.size)
        native = [function for function, _file, _line in biggest.native_stack_trace()]
    return biggest.size, native
# ANCHOR_END: memray


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} path/to/hello_pyo3.cpython-*.so")
    module = load_hello_pyo3(sys.argv[1])
    for clean in (False, True):
        where, size, count = tracemalloc_growth(module, clean=clean)
        label = "make_pair" if clean else "leak_a_reference"
        print(f"tracemalloc ({label}): " + (f"{where} grew by {size} bytes in {count} blocks"
                                            if where else "no line of this file kept memory"))
    size, native = memray_native(module)
    print(f"memray: largest allocation {size} bytes, allocated in:")
    for function in native[:6]:
        print(f"    {function}")
