"""The interpreter's newest parts, watched from Python (chapter 12).

    python lesson/examples/newest.py

Each function reports what the running interpreter does; where a feature is newer than the
interpreter, it says so instead of pretending. The tests (lesson/tests/test_newest.py) check
each version's answer.
"""
from __future__ import annotations

import dis
import math
import sys
import sysconfig

PY = sys.version_info[:2]


def _specialised(function, prefixes=("BINARY_OP", "CALL", "PRECALL")) -> list[str]:
    return [ins.opname for ins in dis.get_instructions(function, adaptive=True)
            if ins.opname.startswith(prefixes)]


# ANCHOR: specialisation
def specialisation_follows_types() -> dict:
    """3.11+ (PEP 659): hot instructions specialise for the types they see, and re-specialise."""
    if PY < (3, 11):
        return {"available": False}

    def add(a, b):
        return a + b

    def root(x):
        return math.sqrt(x)  # a C function with METH_O: a specialised call path

    for i in range(1000):
        add(i, 1)
        root(2.0)
    with_ints = _specialised(add)
    for _ in range(1000):
        add(1.5, 2.5)  # the int version misses, backs off, then specialises again for floats
    return {"available": True, "ints": with_ints, "then floats": _specialised(add),
            "C call": _specialised(root)}
# ANCHOR_END: specialisation


# ANCHOR: exceptions
def zero_cost_exceptions() -> dict:
    """3.11+: `try` costs nothing until something raises; handlers live in an exception table."""
    def guarded():
        try:
            value = 1
        except ValueError:
            value = 0
        return value

    code = guarded.__code__
    return {
        "setup opcodes": [i.opname for i in dis.get_instructions(guarded) if "SETUP" in i.opname],
        "exception table": hasattr(code, "co_exceptiontable") and len(code.co_exceptiontable) > 0,
    }
# ANCHOR_END: exceptions


# ANCHOR: build
def build_features() -> dict:
    """Which execution engines this interpreter was built with: free-threading (3.13+), the
    experimental JIT (3.13+), the tail-calling interpreter (3.14+)."""
    config_args = sysconfig.get_config_var("CONFIG_ARGS") or ""
    jit_built = "--enable-experimental-jit" in config_args
    jit = sys._jit.is_enabled() if hasattr(sys, "_jit") else None  # 3.14+: ask the runtime
    return {
        "free-threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "JIT built": jit_built,
        "JIT enabled": jit,
        "tail-calling interpreter": bool(sysconfig.get_config_var("Py_TAIL_CALL_INTERP")),
    }
# ANCHOR_END: build


SECTIONS = {
    "specialisation": specialisation_follows_types,
    "exceptions": zero_cost_exceptions,
    "build": build_features,
}

if __name__ == "__main__":
    print(f"CPython {sys.version.split()[0]}")
    for name, section in SECTIONS.items():
        print(f"\n== {name}: {section.__doc__.splitlines()[0]}")
        for key, value in section().items():
            print(f"   {key}: {value!r}")
