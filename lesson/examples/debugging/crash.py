"""A deliberate segmentation fault, to practise reading a crash (chapter 9).

    python lesson/examples/debugging/crash.py            # faulthandler prints the Python stack
    gdb -batch -ex run -ex bt --args python lesson/examples/debugging/crash.py   # the C stack

ctypes.string_at(8, 16) makes C read memory at address 8: exactly what `Py_TYPE(obj)` does when
`obj` is a NULL that a native extension forgot to check (ob_type sits 8 bytes into a PyObject).
"""
# ANCHOR: crash
import ctypes
import faulthandler
import sys

faulthandler.enable()  # same as `python -X faulthandler` or PYTHONFAULTHANDLER=1


def read_header(address):
    return ctypes.string_at(address, 16)  # reads 16 bytes at `address`, in C


def parse_record(address):
    header = read_header(address)
    return header[:4]


if __name__ == "__main__":
    print("about to crash...", flush=True)
    parse_record(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
    print("not reached")
# ANCHOR_END: crash
