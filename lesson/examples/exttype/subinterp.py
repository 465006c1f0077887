"""Run code in a fresh interpreter with its own GIL (PEP 684), on whichever API this version has.

    python lesson/examples/exttype/subinterp.py BUILD_DIR   # import nodes in a subinterpreter

3.12 has the private `_xxsubinterpreters`, 3.13 renamed it `_interpreters`, 3.14 made it
public as `concurrent.interpreters` (PEP 734). Before 3.12 no interpreter has its own GIL.
An extension module can be imported into such an interpreter only if it declared
`Py_mod_multiple_interpreters = Py_MOD_PER_INTERPRETER_GIL_SUPPORTED` (chapter 11).
"""
from __future__ import annotations

import sys


def run_isolated(code: str) -> str | None:
    """Run `code` in a new isolated interpreter: None if it ran, else the error it raised."""
    if sys.version_info >= (3, 14):
        from concurrent import interpreters

        interp = interpreters.create()
        try:
            interp.exec(code)
        except interpreters.ExecutionFailed as failure:
            return str(failure.excinfo.formatted)
        finally:
            interp.close()
        return None
    if sys.version_info >= (3, 13):
        import _interpreters

        interp = _interpreters.create()  # the 'isolated' config: its own GIL
        try:
            failure = _interpreters.exec(interp, code)
        finally:
            _interpreters.destroy(interp)
        return None if failure is None else failure.formatted
    if sys.version_info >= (3, 12):
        import _xxsubinterpreters

        interp = _xxsubinterpreters.create(isolated=True)
        try:
            _xxsubinterpreters.run_string(interp, code)
        except _xxsubinterpreters.RunFailedError as failure:
            return str(failure)
        finally:
            _xxsubinterpreters.destroy(interp)
        return None
    raise RuntimeError(f"Python {sys.version_info[0]}.{sys.version_info[1]} has no per-interpreter GIL")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BUILD_DIR  (a folder holding the built nodes module)")
    error = run_isolated(f"import sys; sys.path.insert(0, {sys.argv[1]!r}); import nodes\n"
                         "print('in a subinterpreter:', nodes.Node(42))")
    print(error or "ok")
