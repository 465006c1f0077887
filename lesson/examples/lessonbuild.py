"""Build the lesson's native examples into a folder of your choice, and import them.

Used by the tests (lesson/tests/conftest.py) and by the benchmark (kernel/bench.py):

    python lesson/examples/lessonbuild.py /tmp/lesson-build   # build everything, print the paths

Nothing is ever written into the source tree: C and Cython objects go to the output folder,
the PyO3 crate goes through `maturin build` into a temporary wheel folder (cargo's own cache
stays in the workspace's target/ directory, as for every crate of the course).
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent
REPO_ROOT = EXAMPLES.parent.parent
EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")  # e.g. .cpython-311-x86_64-linux-gnu.so


class BuildError(RuntimeError):
    """A compiler, Cython or maturin failed; the message holds its command and output."""


def _run(cmd: list[str], cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(
            f"command failed ({proc.returncode}): {shlex.join(cmd)}\n{proc.stdout}\n{proc.stderr}"
        )


# ANCHOR: compile_c
def compile_c_extension(source: Path, module: str, out_dir: Path, *, strict: bool = True,
                        extra_flags: Sequence[str] = ()) -> Path:
    """Compile one C file into `<out_dir>/<module><EXT_SUFFIX>` with the system C compiler."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{module}{EXT_SUFFIX}"
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")[:1]  # "gcc -pthread" -> gcc
    include = sysconfig.get_paths()["include"]  # where Python.h lives for THIS interpreter
    cmd = [*compiler, "-O2", "-fPIC", "-shared", f"-I{include}", *extra_flags,
           str(source), "-o", str(target)]
    if strict:  # our hand-written C must be warning-free; generated code (Cython) is not ours
        cmd[1:1] = ["-Wall", "-Werror"]
    if sys.platform == "darwin":  # macOS links extensions against the running interpreter
        cmd += ["-undefined", "dynamic_lookup"]
    _run(cmd)
    return target
# ANCHOR_END: compile_c


# ANCHOR: cythonize
def build_cython_extension(pyx: Path, module: str, out_dir: Path, *,
                           extra_flags: Sequence[str] = ()) -> Path:
    """Translate a .pyx (or pure-Python .py) file to C with Cython, then compile it like any C
    extension. `extra_flags` go to the C compiler (`-fopenmp` for prange)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    c_file = out_dir / f"{module}.c"
    _run([sys.executable, "-m", "cython", "-3", str(pyx), "-o", str(c_file)])
    return compile_c_extension(c_file, module, out_dir, strict=False, extra_flags=extra_flags)
# ANCHOR_END: cythonize


# ANCHOR: maturin
def build_pyo3_wheel(crate_dir: Path, wheel_dir: Path) -> Path:
    """`maturin build --release` of the crate into `wheel_dir`; the path of the wheel."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    maturin = Path(sys.executable).with_name("maturin")
    _run([str(maturin), "build", "--release", "--quiet", "-m", str(crate_dir / "Cargo.toml"),
          "-i", sys.executable, "-o", str(wheel_dir)], cwd=REPO_ROOT)
    (wheel,) = wheel_dir.glob("*.whl")
    return wheel


def build_pyo3_extension(crate_dir: Path, module: str, out_dir: Path) -> Path:
    """`maturin build --release` into a temporary folder, then pull the .so out of the wheel."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lesson-wheel-") as wheel_dir:
        wheel = build_pyo3_wheel(crate_dir, Path(wheel_dir))
        with zipfile.ZipFile(wheel) as archive:
            # The .so sits at `<module>/<module>.cpython-...so` or at the top level.
            (member,) = [n for n in archive.namelist() if Path(n).name.startswith(f"{module}.")
                         and n.endswith((".so", ".pyd"))]
            target = out_dir / Path(member).name
            target.write_bytes(archive.read(member))
    return target
# ANCHOR_END: maturin


# ANCHOR: load
def load_extension(module: str, path: Path):
    """Import the extension at `path` as `module` (the name must match its PyInit_<module>)."""
    loader = importlib.machinery.ExtensionFileLoader(module, str(path))
    spec = importlib.util.spec_from_file_location(module, path, loader=loader)
    extension = importlib.util.module_from_spec(spec)  # dlopen() + PyInit_<module>()
    loader.exec_module(extension)
    sys.modules[module] = extension
    return extension
# ANCHOR_END: load


def build_all(out_dir: Path) -> dict[str, Path]:
    """Build every native example of the lesson; return {module name: path of the .so}."""
    return {
        "hello": compile_c_extension(EXAMPLES / "hello-c" / "hello.c", "hello", out_dir),
        "sumsq_c": compile_c_extension(EXAMPLES / "kernel" / "sumsq_c.c", "sumsq_c", out_dir),
        "nodes": compile_c_extension(EXAMPLES / "exttype" / "nodes.c", "nodes", out_dir),
        "sumsq_cy": build_cython_extension(EXAMPLES / "kernel" / "sumsq_cy.pyx", "sumsq_cy", out_dir),
        "stats": build_cython_extension(EXAMPLES / "cython" / "stats.pyx", "stats", out_dir,
                                        extra_flags=["-fopenmp"]),
        "pure_mode": build_cython_extension(EXAMPLES / "cython" / "pure_mode.py", "pure_mode",
                                            out_dir),
        "hello_pyo3": build_pyo3_extension(EXAMPLES / "hello-pyo3", "hello_pyo3", out_dir),
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} OUT_DIR")
    for name, path in build_all(Path(sys.argv[1]).resolve()).items():
        print(f"{name:12} {os.path.relpath(path)}")
