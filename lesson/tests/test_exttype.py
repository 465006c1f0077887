"""Chapter 11: the C extension type (exttype/nodes.c) and its PyO3 twin (hello_pyo3.nodes).

Both are built, imported, put into reference cycles that only the cyclic GC can free, and
leak-checked. Broken builds of the C type (-DNODES_FORGET_NEXT, -DNODES_LEAK_VALUE) show that
the cycle and leak checks fail when tp_traverse or tp_clear is wrong.
"""
import gc
import importlib.machinery
import importlib.util
import subprocess
import sys
import textwrap

import pytest

import lessonbuild
import modslots
from lessongrader import assert_no_leaks

SOURCE = lessonbuild.EXAMPLES / "exttype" / "nodes.c"


@pytest.fixture(params=["c", "pyo3"])
def nodes(request, nodes_c, hello_pyo3):
    return {"c": nodes_c, "pyo3": hello_pyo3.nodes}[request.param]


def test_node_basics(nodes):
    tail = nodes.Node("b")
    head = nodes.Node("a", tail)
    assert (head.value, head.next.value, tail.next) == ("a", "b", None)
    assert repr(head) == "Node('a')"
    head.next = None
    assert head.next is None
    with pytest.raises(AttributeError):
        head.value = "z"  # read-only in both
    with pytest.raises(TypeError):
        nodes.Node()  # value is required


def test_cycle_is_collected(nodes):
    gc.collect()
    before = nodes.live()
    a = nodes.Node([1, 2, 3])
    b = nodes.Node("b", a)
    a.next = b                        # a -> b -> a
    c = nodes.Node("self")
    c.next = c                        # c -> c
    assert nodes.live() == before + 3
    del a, b, c
    assert nodes.live() == before + 3  # reference counting alone cannot free a cycle
    gc.collect()
    assert nodes.live() == before      # the GC found the cycles through tp_traverse


def test_a_cycle_through_a_list_is_collected(nodes):
    gc.collect()
    before = nodes.live()
    box = []
    node = nodes.Node(box)
    box.append(node)                  # node -> value (list) -> node
    del box, node
    gc.collect()
    assert nodes.live() == before


def make_and_drop_cycle(module):
    a = module.Node(object())
    a.next = module.Node(object(), a)
    del a
    gc.collect()


def test_no_leaks(nodes):
    assert_no_leaks(make_and_drop_cycle, nodes, calls=200)
    value = object()
    before = sys.getrefcount(value)
    for _ in range(100):
        nodes.Node(value, nodes.Node(value))
    assert sys.getrefcount(value) == before  # tp_dealloc gave every reference back


# -- broken builds: the checks above can fail ---------------------------------------------

BROKEN = """
import gc, importlib.machinery, importlib.util, sys
sys.path.insert(0, {examples!r})
loader = importlib.machinery.ExtensionFileLoader("nodes", {path!r})
spec = importlib.util.spec_from_file_location("nodes", {path!r}, loader=loader)
nodes = importlib.util.module_from_spec(spec)
loader.exec_module(nodes)
{body}
"""


def run_broken(tmp_path, flag, body):
    path = lessonbuild.compile_c_extension(SOURCE, "nodes", tmp_path, extra_flags=[flag])
    code = BROKEN.format(examples=str(lessonbuild.EXAMPLES), path=str(path),
                         body=textwrap.dedent(body))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={**__import__("os").environ})


def test_a_traverse_that_misses_a_reference_leaves_the_cycle(tmp_path):
    proc = run_broken(tmp_path, "-DNODES_FORGET_NEXT", """
        a = nodes.Node(1); a.next = nodes.Node(2, a); del a
        gc.collect()
        print(nodes.live())
    """)
    assert (proc.returncode, proc.stdout) == (0, "2\n"), proc.stderr  # never freed


def test_a_clear_that_keeps_a_reference_is_a_leak(tmp_path):
    proc = run_broken(tmp_path, "-DNODES_LEAK_VALUE", """
        sys.path.insert(0, {grader!r})
        from lessongrader import assert_no_leaks
        from lessongrader.leaks import LeakError
        def make_and_drop_cycle():
            a = nodes.Node(object()); a.next = nodes.Node(object(), a); del a
            gc.collect()
        try:
            assert_no_leaks(make_and_drop_cycle, calls=200)
        except LeakError as error:
            print("LeakError:", str(error).splitlines()[0])
        else:
            print("no leak found")
    """.replace("{grader!r}", repr(str(lessonbuild.REPO_ROOT / "grader" / "python"))))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("LeakError:"), proc.stdout


# -- module state, slots and interpreters -------------------------------------------------

def load_again(module):
    """A second module object from the same file: multi-phase init runs Py_mod_exec again."""
    loader = importlib.machinery.ExtensionFileLoader(module.__name__, module.__file__)
    spec = importlib.util.spec_from_file_location(module.__name__, module.__file__, loader=loader)
    again = importlib.util.module_from_spec(spec)
    loader.exec_module(again)
    return again


def test_each_module_object_has_its_own_state(nodes_c):
    again = load_again(nodes_c)
    assert again is not nodes_c and again.Node is not nodes_c.Node  # a type per module
    gc.collect()
    before = nodes_c.live()
    kept = again.Node(1)
    assert (again.live(), nodes_c.live()) == (1, before)  # counted in its own module's state
    assert type(kept).__module__ == "nodes"
    del kept
    assert again.live() == 0


def test_declared_slots_by_version(nodes_c, hello_pyo3):
    c_slots = modslots.module_slots(nodes_c)
    assert "Py_mod_exec" in c_slots
    if sys.version_info >= (3, 12):
        assert c_slots["Py_mod_multiple_interpreters"] == 2  # PER_INTERPRETER_GIL_SUPPORTED
    else:
        assert "Py_mod_multiple_interpreters" not in c_slots  # the slot came with 3.12
    if sys.version_info >= (3, 13):
        assert c_slots["Py_mod_gil"] == 0  # Py_MOD_GIL_USED
    else:
        assert "Py_mod_gil" not in c_slots  # the slot came with 3.13
    # PyO3 0.30 never declares Py_mod_multiple_interpreters: it checks the interpreter itself.
    assert "Py_mod_multiple_interpreters" not in modslots.module_slots(hello_pyo3)


def test_subinterpreters_by_version(nodes_c, hello_pyo3):
    import subinterp

    if sys.version_info < (3, 12):
        with pytest.raises(RuntimeError, match="no per-interpreter GIL"):
            subinterp.run_isolated("pass")
        return
    build = str(lessonbuild.Path(nodes_c.__file__).parent)
    ok = subinterp.run_isolated(
        f"import sys; sys.path.insert(0, {build!r}); import nodes\n"
        "n = nodes.Node(1)\nassert nodes.live() == 1, nodes.live()  # its own module state\n")
    assert ok is None
    refused = subinterp.run_isolated(f"import sys; sys.path.insert(0, {build!r}); import hello_pyo3")
    assert refused is not None and "ImportError" in refused
