"""Session fixtures: build every native example of the lesson once, into a temporary folder.

Nothing is prebuilt and nothing is written into the source tree. The build helpers live in
lesson/examples/lessonbuild.py so that the benchmark script can use them too.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
sys.path.insert(0, str(EXAMPLES / "kernel"))
sys.path.insert(0, str(EXAMPLES / "exttype"))

import lessonbuild  # noqa: E402  (needs the path above)

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run_pythons.py, for its own test


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lesson-build")


@pytest.fixture(scope="session")
def hello_c(build_dir):
    path = lessonbuild.compile_c_extension(EXAMPLES / "hello-c" / "hello.c", "hello", build_dir)
    return lessonbuild.load_extension("hello", path)


@pytest.fixture(scope="session")
def sumsq_c(build_dir):
    path = lessonbuild.compile_c_extension(EXAMPLES / "kernel" / "sumsq_c.c", "sumsq_c", build_dir)
    return lessonbuild.load_extension("sumsq_c", path)


@pytest.fixture(scope="session")
def nodes_c(build_dir):
    path = lessonbuild.compile_c_extension(EXAMPLES / "exttype" / "nodes.c", "nodes", build_dir)
    return lessonbuild.load_extension("nodes", path)


@pytest.fixture(scope="session")
def sumsq_cy(build_dir):
    pyx = EXAMPLES / "kernel" / "sumsq_cy.pyx"
    path = lessonbuild.build_cython_extension(pyx, "sumsq_cy", build_dir)
    return lessonbuild.load_extension("sumsq_cy", path)


@pytest.fixture(scope="session")
def hello_pyo3(build_dir):
    path = lessonbuild.build_pyo3_extension(EXAMPLES / "hello-pyo3", "hello_pyo3", build_dir)
    return lessonbuild.load_extension("hello_pyo3", path)


@pytest.fixture(scope="session")
def sumsq_py():
    import sumsq

    return sumsq
