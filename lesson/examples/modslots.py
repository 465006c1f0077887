"""Read the PEP 489 slots an extension module declared, from Python, with ctypes.

A module created by multi-phase initialisation keeps a pointer to its `PyModuleDef`;
`PyModule_GetDef` returns it, and `m_slots` is the array the extension filled in:
`Py_mod_exec`, `Py_mod_multiple_interpreters` (3.12+), `Py_mod_gil` (3.13+)...

    python lesson/examples/modslots.py some_extension_module

Used by the tests to check what the C extension type and the PyO3 crate declare (chapters 7
and 11). CPython's default (non free-threaded) build only: the object header is two words.
"""
from __future__ import annotations

import ctypes
import importlib
import sys
import sysconfig

# Slot ids from Include/moduleobject.h. Each appeared in a given version; a module built for an
# older version cannot declare it (the slot would be unknown, and the import would fail).
SLOTS = {
    1: "Py_mod_create",
    2: "Py_mod_exec",
    3: "Py_mod_multiple_interpreters",   # 3.12+
    4: "Py_mod_gil",                     # 3.13+
}
# Values of Py_mod_gil and Py_mod_multiple_interpreters.
GIL = {0: "Py_MOD_GIL_USED", 1: "Py_MOD_GIL_NOT_USED"}
MULTIPLE_INTERPRETERS = {
    0: "Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED",
    1: "Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED",
    2: "Py_MOD_PER_INTERPRETER_GIL_SUPPORTED",
}


class PyModuleDef_Slot(ctypes.Structure):
    _fields_ = [("slot", ctypes.c_int), ("value", ctypes.c_void_p)]


class PyModuleDef(ctypes.Structure):
    _fields_ = [
        # PyModuleDef_Base: PyObject_HEAD, m_init, m_index, m_copy
        ("ob_refcnt", ctypes.c_ssize_t), ("ob_type", ctypes.c_void_p),
        ("m_init", ctypes.c_void_p), ("m_index", ctypes.c_ssize_t), ("m_copy", ctypes.c_void_p),
        ("m_name", ctypes.c_char_p), ("m_doc", ctypes.c_char_p), ("m_size", ctypes.c_ssize_t),
        ("m_methods", ctypes.c_void_p), ("m_slots", ctypes.POINTER(PyModuleDef_Slot)),
        ("m_traverse", ctypes.c_void_p), ("m_clear", ctypes.c_void_p), ("m_free", ctypes.c_void_p),
    ]


def module_def(module) -> PyModuleDef | None:
    """The module's PyModuleDef, or None for a module that has none (pure Python)."""
    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        raise RuntimeError("modslots reads the default build's object layout, not free-threaded")
    get_def = ctypes.pythonapi.PyModule_GetDef
    get_def.argtypes, get_def.restype = [ctypes.py_object], ctypes.POINTER(PyModuleDef)
    pointer = get_def(module)
    return pointer.contents if pointer else None


def module_slots(module) -> dict[str, int]:
    """{slot name: value} for every slot the module's definition declares."""
    definition = module_def(module)
    if definition is None or not definition.m_slots:
        return {}
    found = {}
    for slot in definition.m_slots:
        if slot.slot == 0:  # the {0, NULL} terminator
            break
        found[SLOTS.get(slot.slot, f"slot {slot.slot}")] = slot.value or 0
    return found


def describe(module) -> list[str]:
    names = {"Py_mod_gil": GIL, "Py_mod_multiple_interpreters": MULTIPLE_INTERPRETERS}
    lines = []
    for name, value in module_slots(module).items():
        shown = names.get(name, {}).get(value, hex(value))
        lines.append(f"{name:30} {shown}")
    return lines


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} MODULE")
    print("\n".join(describe(importlib.import_module(sys.argv[1]))) or "no slots (single-phase)")
