"""CPython internals you can watch from Python itself (lesson chapters 1, 2 and 7).

Run:   python lesson/examples/examples.py            (every section)
       python lesson/examples/examples.py refcounts  (one section; names below)

Each function returns what it found (the tests in lesson/tests/test_examples.py check those values
on the interpreter that runs them) and `main` prints it. Where CPython versions differ, the code
says which version does what instead of hiding it.
"""
from __future__ import annotations

import ast
import ctypes
import dis
import gc
import io
import sys
import sysconfig
import tokenize
import weakref

PY_VERSION = sys.version_info[:2]
FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))  # 3.13+ "t" builds


# ANCHOR: pipeline
def compile_pipeline(source: str = "total = price * 3\n") -> dict:
    """Follow one statement through tokenizer -> parser (AST) -> compiler (code object)."""
    tokens = [
        (tokenize.tok_name[tok.type], tok.string)
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)
    ]
    tree = ast.parse(source)
    code = compile(tree, "<example>", "exec")  # compile() accepts source text or an AST
    return {
        "tokens": tokens,
        "ast": ast.dump(tree.body[0]),
        "code": code,
        "instructions": [(ins.opname, ins.argrepr) for ins in dis.get_instructions(code)],
    }
# ANCHOR_END: pipeline


def constant_folding() -> dict:
    """The compiler evaluates constant expressions once, at compile time (the AST optimizer)."""
    code = compile("seconds = 24 * 60 * 60\n", "<example>", "exec")
    return {"co_consts": code.co_consts}


# ANCHOR: comprehensions
def comprehension_inlining() -> dict:
    """3.12+ (PEP 709) inlines list/dict/set comprehensions: no nested code object, no frame."""
    code = compile("squares = [x * x for x in values]\n", "<example>", "exec")
    nested = [const.co_name for const in code.co_consts if hasattr(const, "co_code")]
    return {"nested code objects": nested, "inlined": not nested}
# ANCHOR_END: comprehensions


# ANCHOR: code_object
def scale(values, factor=2):
    """A small function whose code object we take apart."""
    label = "scaled"
    return label, [v * factor for v in values]


def code_object_anatomy(func=scale) -> dict:
    """A function is a code object (immutable, shareable) plus globals, defaults and closure."""
    code = func.__code__
    return {
        "co_name": code.co_name,
        "co_argcount": code.co_argcount,
        "co_varnames": code.co_varnames,   # arguments first, then other locals
        "co_consts": code.co_consts,       # literals used by the bytecode (and nested code objects)
        "co_names": code.co_names,         # global and attribute names
        "co_stacksize": code.co_stacksize, # deepest value stack the eval loop will need
        "bytecode_bytes": len(code.co_code),  # 2 bytes per instruction ("wordcode") since 3.6
        "defaults": func.__defaults__,     # stored on the function object, not the code object
    }
# ANCHOR_END: code_object


# ANCHOR: specialization
def add(a, b):
    return a + b


def specialization(calls: int = 1000) -> dict:
    """3.11+ rewrites hot bytecode in place with type-specialised instructions (PEP 659)."""
    before = [ins.opname for ins in dis.get_instructions(add)]
    for i in range(calls):
        add(i, 1)
    if PY_VERSION >= (3, 11):
        after = [ins.opname for ins in dis.get_instructions(add, adaptive=True)]
    else:  # no specialising interpreter before 3.11
        after = before
    return {"before": before, "after": after}
# ANCHOR_END: specialization


# ANCHOR: frames
def outer():
    marker = "in outer"  # a local the inner frame can see through f_back
    return inner()


def inner():
    frame = sys._getframe()  # the frame object of this very call
    chain = []
    while frame is not None and len(chain) < 3:
        chain.append((frame.f_code.co_name, frame.f_lineno))
        frame = frame.f_back
    caller_locals = sys._getframe(1).f_locals
    return {"chain": chain, "caller_marker": caller_locals.get("marker")}


def frames() -> dict:
    """Each call runs in a frame: code + instruction pointer + locals + value stack + f_back."""
    return outer()
# ANCHOR_END: frames


# ANCHOR: object_header
def object_header() -> dict:
    """Every object starts with a PyObject header: ob_refcnt, then ob_type."""
    x = 1.5
    return {
        "object_basicsize": object.__basicsize__,  # header only: 2 x 8 bytes on 64-bit
        "float_basicsize": float.__basicsize__,    # header + one C double
        "type_is_object": isinstance(type(x), type) and isinstance(float, object),
        "tuple_itemsize": tuple.__itemsize__,      # variable-size objects: one pointer per item
    }


def refcount_field(obj) -> int:
    """Read ob_refcnt straight from memory: id() is the object's address in CPython."""
    if FREE_THREADED:
        raise RuntimeError("free-threaded builds split the count in two fields (ob_ref_local/shared)")
    raw = ctypes.c_ssize_t.from_address(id(obj)).value
    # 3.12+ (64-bit): the count is the low 32-bit word; 3.14 keeps flags in the upper word.
    return raw & 0xFFFFFFFF if PY_VERSION >= (3, 12) else raw


def immortal_bit(obj) -> bool:
    """Bit 31 of ob_refcnt: how 3.12+ (64-bit) tells an immortal object, `(int32_t)refcnt < 0`."""
    if FREE_THREADED or sys.maxsize < 2**32:
        raise RuntimeError("this reads the 64-bit default build's ob_refcnt")
    return bool((ctypes.c_ssize_t.from_address(id(obj)).value >> 31) & 1)
# ANCHOR_END: object_header


# ANCHOR: refcounts
def refcounts() -> dict:
    """sys.getrefcount(x) is one more than you expect: its own argument is a reference too."""
    fresh = object()
    alone = sys.getrefcount(fresh)          # the name `fresh` + the call's argument = 2
    holder = [fresh, fresh]
    in_list = sys.getrefcount(fresh)        # + 2 list slots
    del holder
    after_del = sys.getrefcount(fresh)      # the list died and released both references
    return {
        "alone": alone,
        "in_list": in_list,
        "after_del": after_del,
        "field": refcount_field(fresh) if not FREE_THREADED else None,  # its parameter counts too
    }


def immortal_objects() -> dict:
    """3.12+ (PEP 683): None, True, small ints... are immortal; their count never changes."""
    before = sys.getrefcount(None)
    many = [None] * 10_000
    after = sys.getrefcount(None)
    del many
    return {
        "delta_for_10000_refs": after - before,
        "immortal": PY_VERSION >= (3, 12),
        "bit 31 set (None)": immortal_bit(None) if not FREE_THREADED else None,
        "bit 31 set (fresh object)": immortal_bit(object()) if not FREE_THREADED else None,
    }
# ANCHOR_END: refcounts


# ANCHOR: caching
def small_int_cache() -> dict:
    """Ints from -5 to 256 are preallocated singletons; others are new objects each time."""
    # int("...") builds the number at run time, so the compiler cannot share one constant.
    return {
        "256 is 256": int("256") is int("256"),
        "257 is 257": int("257") is int("257"),
        "-5 is -5": int("-5") is int("-5"),
        "-6 is -6": int("-6") is int("-6"),
    }


IDENTIFIER = "hello_world"   # looks like a Python name: the compiler interns it
PHRASE = "hello, world!"     # does not: each code object gets its own copy


def string_interning() -> dict:
    """Name-like constants are interned (one shared object); strings built at run time are not."""
    same_in_other_code = eval(compile("'hello_world'", "<other>", "eval"))
    phrase_in_other_code = eval(compile("'hello, world!'", "<other>", "eval"))
    built = "".join(["hello", "_", "world"])
    return {
        "name-like constant shared": same_in_other_code is IDENTIFIER,
        "other constant shared": phrase_in_other_code is PHRASE,
        "built == constant": built == IDENTIFIER,
        "built is constant": built is IDENTIFIER,
        "sys.intern(built) is constant": sys.intern(built) is IDENTIFIER,
        "attribute name built at run time interned": _attribute_name_is_interned(),
    }


def _attribute_name_is_interned() -> bool:
    """setattr() interns the name it stores: the dict key is the interned string."""
    holder = Node("holder")
    name = "".join(["run", "time", "_attr"])  # built at run time: not interned yet
    setattr(holder, name, 1)
    (key,) = [k for k in vars(holder) if k == "runtime_attr"]
    return key is sys.intern("runtime_attr")


def interned_mortality() -> dict:
    """Interned strings were immortal in 3.12 (PEP 683); 3.13 made run-time ones mortal again."""
    interned = sys.intern("".join(["interned", "_at_run_time"]))
    before = sys.getrefcount(interned)
    many = [interned] * 1000
    delta = sys.getrefcount(interned) - before
    del many
    return {"delta_for_1000_refs": delta, "immortal": delta == 0}
# ANCHOR_END: caching


# ANCHOR: gc
class Node:
    def __init__(self, name):
        self.name = name
        self.partner = None


def cyclic_gc() -> dict:
    """Reference counting alone never frees a cycle; the cyclic collector finds it."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()  # keep the automatic collector out of the measurement
    try:
        a, b = Node("a"), Node("b")
        a.partner, b.partner = b, a  # a <-> b: each keeps the other's count at >= 1
        probe = weakref.ref(a)
        del a, b
        alive_after_del = probe() is not None
        found = gc.collect()  # number of unreachable objects it found (and freed)
        alive_after_collect = probe() is not None
    finally:
        if was_enabled:
            gc.enable()
    return {
        "alive_after_del": alive_after_del,
        "alive_after_collect": alive_after_collect,
        "unreachable_found": found,
        "thresholds": gc.get_threshold(),
        "generations": len(gc.get_stats()),
    }


def gc_generations() -> dict:
    """New containers start in the youngest generation; each collection that survives promotes."""
    def generation_of(obj):
        for generation in range(len(gc.get_stats())):
            if any(o is obj for o in gc.get_objects(generation)):
                return generation
        return None

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        young = Node("young")
        born_in = generation_of(young)
        gc.collect(0)                 # collect generation 0 only: survivors move to generation 1
        after_one = generation_of(young)
        gc.collect(1)                 # generations 0 and 1: survivors move to generation 2
        after_two = generation_of(young)
    finally:
        if was_enabled:
            gc.enable()
    # 3.14's incremental collector has a young and an old generation instead; see chapter 2.
    return {"born_in": born_in, "after_collect_0": after_one, "after_collect_1": after_two}


def gc_tracking() -> dict:
    """Only containers that can take part in a cycle are tracked by the collector."""
    return {
        "int": gc.is_tracked(42),
        "str": gc.is_tracked("text"),
        "list": gc.is_tracked([]),
        "dict of atoms": gc.is_tracked({"a": 1}),  # <= 3.13: untracked until it holds a container
        "dict holding a list": gc.is_tracked({"a": []}),
        "instance": gc.is_tracked(Node("n")),
    }
# ANCHOR_END: gc


# ANCHOR: sizes
def sizes() -> dict:
    """sys.getsizeof: the object's own bytes (header included), never what it points to."""
    growth = []
    items: list = []
    for i in range(17):
        growth.append(sys.getsizeof(items))
        items.append(i)
    return {
        "float": sys.getsizeof(1.0),
        "small int": sys.getsizeof(1),
        "2**100": sys.getsizeof(2**100),        # ints grow by 30-bit digits
        "empty str": sys.getsizeof(""),
        "ascii char": sys.getsizeof("a"),       # 1 byte per char (PEP 393 compact ASCII)
        "snake emoji": sys.getsizeof("\N{SNAKE}"),  # 4 bytes per char once any char needs it
        "empty list": sys.getsizeof([]),
        "list growth": growth,                  # over-allocation: appends are amortised O(1)
        "list of big strs": sys.getsizeof(["x" * 10_000] * 3),  # shallow: 3 pointers, not 30 kB
    }
# ANCHOR_END: sizes


# ANCHOR: memoryview
def zero_copy_views() -> dict:
    """memoryview exposes another object's buffer: slicing and casting copy nothing."""
    data = bytearray(b"abcdefgh")
    view = memoryview(data)
    middle = view[2:6]          # a view of 4 bytes, still backed by `data`
    middle[0] = ord("C")        # writes through to the bytearray
    as_ints = view.cast("I")    # same 8 bytes, seen as two unsigned 32-bit ints
    try:
        data.append(0)          # resizing while a view exists would leave it dangling
        resize_refused = False
    except BufferError:
        resize_refused = True
    shape = (as_ints.format, as_ints.itemsize, as_ints.shape, as_ints.strides, as_ints.contiguous)
    middle.release(); as_ints.release(); view.release()  # noqa: E702
    data.append(0)              # allowed again once every export is released
    return {"data": bytes(data), "int_view": shape, "resize_refused": resize_refused}
# ANCHOR_END: memoryview


SECTIONS = {
    "pipeline": compile_pipeline,
    "folding": constant_folding,
    "comprehensions": comprehension_inlining,
    "code": code_object_anatomy,
    "specialization": specialization,
    "frames": frames,
    "header": object_header,
    "refcounts": refcounts,
    "immortal": immortal_objects,
    "ints": small_int_cache,
    "strings": string_interning,
    "interned": interned_mortality,
    "gc": cyclic_gc,
    "generations": gc_generations,
    "tracking": gc_tracking,
    "sizes": sizes,
    "memoryview": zero_copy_views,
}


def main(argv: list[str]) -> int:
    names = argv or list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; choose from: {', '.join(SECTIONS)}")
        return 2
    build = "free-threaded" if FREE_THREADED else "with the GIL"
    print(f"CPython {sys.version.split()[0]} ({build})")
    for name in names:
        print(f"\n== {name}: {SECTIONS[name].__doc__.strip().splitlines()[0]}")
        for key, value in SECTIONS[name]().items():
            if key == "code":  # the compiled statement: show its bytecode as dis prints it
                print("   bytecode:")
                dis.dis(value, file=sys.stdout)
            elif key != "instructions":
                print(f"   {key}: {value!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
