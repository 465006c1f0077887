"""Leak on purpose, then find the leak with valgrind (chapter 9).

    PYTHONMALLOC=malloc valgrind --leak-check=full --show-leak-kinds=definite \
        python lesson/examples/debugging/leak.py path/to/hello_pyo3.cpython-*.so [--clean]

Each round hands a fresh bytearray to hello_pyo3.leak_a_reference, which forgets one strong
reference: the bytearray can never be freed. With --clean the same rounds call make_pair instead,
which balances its references, so valgrind reports nothing "definitely lost" from them.
"""
# ANCHOR: leak
import importlib.util
import sys

path, clean = sys.argv[1], "--clean" in sys.argv[2:]
spec = importlib.util.spec_from_file_location("hello_pyo3", path)
hello_pyo3 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hello_pyo3)

for size in (1000, 1001, 1002):
    if clean:
        hello_pyo3.make_pair(bytearray(size), None)
    else:
        hello_pyo3.leak_a_reference(bytearray(size))  # refcount never returns to 0
# ANCHOR_END: leak
