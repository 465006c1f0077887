"""Reference-count and memory leak detection that works on a release CPython.

CPython's own hunter (`python -m test -R 3:3`) needs a debug build for `sys.gettotalrefcount`. On a
release build we watch counters that exist everywhere and otherwise follow CPython's method: run the
code in rounds, clear the interpreter's caches and `gc.collect()` between rounds, throw the first
(warm-up) rounds away, and call it a leak only when EVERY measured round grows. Two entry points:

- `assert_no_leaks(func, *args, calls=1000, raises=None, **kwargs)`: a test calls it for one
  function; a round is `calls` calls of `func(*args, **kwargs)` (fewer when `calls` of them would take
  more than CALL_BUDGET_SECONDS over all rounds; never fewer than 10).
- `LeakHunter`: after all tests ran, the pytest plugin sets up every test that passed once more
  (fresh fixtures, outside pytest's reporting) and hands it to the hunter in place of its call; a
  round is k re-runs of the whole test (`item.runtest()`, same fixture values), k = 1..10 so that a
  round takes about 8 ms. Tests that call `assert_no_leaks`, are marked `no_leak_check`, fail when
  run again, or would take over 3 s are not hunted (the last two are listed in the `leak_summary`).

Under the plugin with leak checks on, tests run twice (plugin.py): first for correctness, where
`assert_no_leaks` only checks outcomes (`defer_measurements`), then, if they passed, again for
leaks, where it measures. Its findings are `leak` records either way; a leak never fails a test.

Read after each round (after `sys._clear_type_cache()`, `re.purge()` and two `gc.collect()`s):
- the refcount of every watched object: the arguments and the receiver (`self`), and what is
  reachable from them two levels deep (container items, `__dict__`/slot values, #[pyclass] getters);
  in the hunt, the objects that outlive one run of the test: its constants, the globals (and the
  attributes of modules/classes) it names, its fixture values, and what is reachable from those;
- `sys.getallocatedblocks()`: Python objects (pymalloc blocks) still allocated;
- live GC-tracked objects per type (`gc.get_objects()`);
- the second `gc.collect()`'s return value: objects the collector found unreachable but could not
  free (a cycle through a type with `tp_traverse` but no `tp_clear`);
- the malloc heap in use (glibc `mallinfo2`; Rust allocates with the system malloc, so this sees
  `Box::leak` and forgotten `Vec`s byte by byte); RSS from /proc/self/statm where there is no glibc.

Decision rules (n = calls per round, k = test runs per round; "grows" = delta >= threshold in EVERY
measured round, default 3 warm-up + 4 measured rounds, `[leaks]` in exercise.toml may change them):

  counter                  assert_no_leaks (per round)     hunt (per round of k runs)
  watched refcount         >= max(1, n/10)                 >= k
  allocated blocks         >= max(3, n/10)                 >= k
  GC objects of one type   >= max(1, n/10)                 >= k
  unfreeable cycle objects >= max(1, n/10)                 >= k
  malloc heap bytes        >= max(16 KiB, 16 * n)          >= max(16 KiB, 512 * k)
  RSS (no mallinfo)        >= max(64 KiB, 64 * n)          >= 256 KiB

Why (measured with grader/bench/leak_detection.py --noise, CPython 3.11, PyO3 0.30.1: the course's
7 reference solutions x 10 runs, 980 clean `assert_no_leaks` checks and 5270 clean hunts): on
correct code refcounts never moved (0), blocks moved by at most +1 in a round and never in every
round, the unfreeable count stayed 0. The heap is noisier: glibc's per-thread tcache keeps up to 7
freed chunks per size class counted as "in use", so it creeps up while it fills — by up to 9 KiB in
a round of 1000 calls, never more than 6.8 KiB in every round; hence 16 bytes per call. A real leak
moves a counter by at least one unit per leaking call: +1 reference, +1 block (a str; a list is 1-2),
+1 object, and the smallest Rust leak (a 1-byte Box) is a 32-byte malloc chunk. So 1000 calls give
+1000 references against a threshold of 100, or +32 000 heap bytes against 16 384. The hunt keeps
CPython's rule (at least one unit per run) for Python counters; Rust leaks of a few bytes per run
stay below its heap threshold and are left to `assert_no_leaks`, whose 1000 calls make them visible.

Caches are cleared as CPython's refleak runner does because they look like leaks for a while: the
type attribute cache holds a reference to every attribute-name string it saw (4096 slots, so a name
string made per call "leaks" one block per call for thousands of calls), `re` keeps 512 patterns.
`monkeypatch` records an undo entry per setattr/setenv; the hunt undoes what each re-run added.

References that FALL: a function that releases a reference it does not own (Py_DECREF after
`PyList_SetItem` stole it, a borrowed pointer wrapped as owned) frees the object while it is in
use, and the process crashes some calls later. So from the very first call the watched objects hold
16 extra references of ours; the code runs 4 times (the hunt: 2 runs), and an object whose refcount
fell by >= 2 in total and never rose is reported as `refcount_drop` at once, without more calls. The
lost references are given back (`Py_IncRef`) so that nothing is freed early and the session can
finish (the hunt also gives back what the test's earlier runs took). In `assert_no_leaks` only the
arguments count here; objects reached from them may lose references legitimately (a pop, a clear).

Classification (most specific first; derived symptoms are not reported twice):
- `refcount_drop` (above) ends the check at once;
- `buffer_export`: a watched bytearray/array.array whose refcount grows and that can no longer be
  resized (BufferError) — in `assert_no_leaks` only if it could be before the first call (the
  test's own memoryview also locks it); a `PyBuffer` that was never released;
- `uncollectable_cycle`: the second `gc.collect()` keeps finding more unreachable objects (a
  #[pyclass] with `__traverse__` but no `__clear__`), or a leaking #[pyclass] instance is held by a
  leaking object that nothing the collector can see holds (its holder is the instance's untraversed
  Py field: no `__traverse__`);
- `argument_refs` / `reachable_refs`: a watched refcount grows; not reported when leaking objects
  (below) visibly hold those references;
- `gc_objects`: live GC objects of some type grow (named: "3 objects of type `Node` ...");
- `new_objects`: allocated blocks grow and nothing above explains it (a leaked str/int/bytes);
- `static_cache`: one of the two above together with heap growth of 4-64 bytes per leaked object
  and >= 16 KiB in all — a Vec/HashMap of Py<...> that gains an entry per call. A best guess: a Vec
  grows by doubling, so within one check the heap may not move, and then the leak keeps its kind;
- `rust_heap`: the heap grows while no Python-level counter does.

Python versions: refcounts are read with `sys.getrefcount`. Immortal objects (3.12+: small ints,
None, interned strings; 3.11: statically allocated small ints and strings such as "abc") have
refcounts >= 2**29 and are never watched — a reference leaked on them is harmless there, so tests
should pass fresh objects. On free-threaded builds `sys.getallocatedblocks()` returns 0: the blocks
rule is then off and refcounts, GC-type counts and the heap carry the check (Rust still allocates
with glibc malloc there). `gc.freeze()` hides every object that existed before the check from the
collector, which makes `gc.collect()` and `gc.get_objects()` cost microseconds instead of
milliseconds; we unfreeze at the end. If someone froze objects before us we do not freeze (only
slower). CPython 3.12 starts with a few hundred tuples frozen; that count is the baseline, and our
unfreeze moves them to the oldest generation, where 3.11 and 3.13 keep them anyway. The unit tests
(grader/python/tests/test_leaks.py) pass on CPython 3.10, 3.11, 3.12 and 3.13.
"""

import array
import contextlib
import ctypes
import ctypes.util
import functools
import gc
import importlib.machinery
import inspect
import linecache
import os
import statistics
import sys
import time
import types
import warnings

from . import results

# --- thresholds (see the module docstring for why) -------------------------------------------------
DEFAULT_WARMUP_ROUNDS = 3
DEFAULT_MEASURED_ROUNDS = 4
MIN_BLOCKS_GROWTH = 3
HEAP_GROWTH_PER_CALL = 16
MIN_HEAP_GROWTH = 16 * 1024
HUNT_HEAP_GROWTH_PER_RUN = 512
RSS_GROWTH_PER_CALL = 64
MIN_RSS_GROWTH = 64 * 1024
HUNT_MIN_RSS_GROWTH = 256 * 1024
# A static cache costs the collection's slot per entry: 8 bytes for a Vec<Py> (up to 16 while it
# doubles), ~20-70 for a HashMap. More than that per object is some other allocation leaking with it
# (a forgotten PyBuffer leaks its 96-byte box, for example).
STATIC_CACHE_BYTES_PER_OBJECT = (4, 64)

# --- refcount-drop probe --------------------------------------------------------------------------
GUARD_REFERENCES = 16
DROP_PROBE_CALLS = 4
DROP_PROBE_RUNS = 2
MIN_DROP = 2

# --- time budget ----------------------------------------------------------------------------------
# assert_no_leaks: fewer calls per round when `calls` of them would take longer than this.
CALL_BUDGET_SECONDS = 1.0
MIN_CALLS_PER_ROUND = 10
# hunt: runs per round so that one round takes about this long, between 1 and MAX_RUNS_PER_ROUND.
HUNT_ROUND_SECONDS = 0.008
MAX_RUNS_PER_ROUND = 10
# A test whose hunt would take longer than this is not hunted (it is listed in the summary).
HUNT_MAX_SECONDS = 3.0

# --- watch list limits ----------------------------------------------------------------------------
WATCH_DEPTH = 2
MAX_CHILDREN = 64
MAX_WATCHED = 600
IMMORTAL_REFCOUNT = 1 << 29

_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE

HINTS = {
    "argument_refs": (
        "A reference to this argument is taken and never given back: look for `std::mem::forget`, "
        "`into_ptr()`, or `Py_INCREF` without a matching release. Let `Bound`/`Py` values drop."
    ),
    "reachable_refs": (
        "A new reference to an object reached through the argument is never released: a C-API "
        "function that returns a NEW reference (PyObject_GetAttr, PyObject_GetItem, PySequence_GetItem) "
        "must be wrapped with `Bound::from_owned_ptr`, not `from_borrowed_ptr`."
    ),
    "new_objects": (
        "An object created during the call is never released: a NEW reference (what PyNumber_Add, "
        "PyLong_FromLong or PyObject_GetAttr return) needs exactly one Py_DECREF, or to be wrapped "
        "with `Bound::from_owned_ptr`. Also look for a stray `into_ptr()` or `mem::forget`."
    ),
    "gc_objects": (
        "Objects of this type survive every call: a reference to them is never released "
        "(`into_ptr()`, `mem::forget`) or they are stored somewhere that keeps growing."
    ),
    "uncollectable_cycle": (
        "A #[pyclass] that holds Python objects needs `__traverse__` (visit every Py field) AND "
        "`__clear__` (drop them): without them the garbage collector cannot see or break a cycle "
        "through it."
    ),
    "uncollectable_cycle_clear": (
        "The garbage collector finds this cycle but cannot break it: the #[pyclass] has `__traverse__` "
        "but no `__clear__`. Add `__clear__` and drop (take) its Py fields there."
    ),
    "static_cache": (
        "A static collection (a Vec/HashMap of Py<...>) grows on every call and keeps every object "
        "alive: bound it, key it by value, or do not cache."
    ),
    "rust_heap": (
        "Rust memory is allocated on every call and never freed: look for `Box::leak`, "
        "`mem::forget` of a Vec/String/Box, or `into_raw` without `from_raw`."
    ),
    "buffer_export": (
        "A `PyBuffer` must be dropped (or released) before the function returns: a forgotten one keeps "
        "the exporter locked (a bytearray can no longer be resized) and leaks a reference."
    ),
    "refcount_drop": (
        "A reference is released that the function did not own: do not Py_DECREF an item after "
        "`PyList_SetItem`/`PyTuple_SetItem` (they steal the reference), and wrap a borrowed pointer with "
        "`from_borrowed_ptr`, not `from_owned_ptr`. This crashes once the object is freed."
    ),
}


class LeakError(AssertionError):
    """A leak found by `assert_no_leaks` (its records are emitted too). `lessongrader_leak` is the
    first finding's record (the one the grader shows), `lessongrader_leaks` all of them."""

    def __init__(self, records):
        self.lessongrader_leaks = list(records)
        self.lessongrader_leak = self.lessongrader_leaks[0]
        super().__init__(_explain(self.lessongrader_leaks))


def _explain(records):
    first = records[0]
    lines = [f"{first['call']} leaks: {first['message']}"]
    lines += [f"  also: {record['message']}" for record in records[1:]]
    lines.append(f"Hint: {first['hint']}")
    return "\n".join(lines)


# --- counters ---------------------------------------------------------------------------------------


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")
    ]


class _MallInfo(ctypes.Structure):
    _fields_ = [(name, ctypes.c_int) for name, _ in _MallInfo2._fields_]


@functools.lru_cache(maxsize=None)
def _heap_reader():
    """A function returning the bytes malloc has handed out and not got back, or None (no glibc)."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    for name, struct in (("mallinfo2", _MallInfo2), ("mallinfo", _MallInfo)):
        function = getattr(libc, name, None)
        if function is None:
            continue
        function.argtypes = []
        function.restype = struct

        def read(function=function, unsigned=(struct is _MallInfo2)):
            info = function()
            used = info.uordblks + info.hblkhd
            # mallinfo's int fields wrap above 2 GiB; a wrapped reading only adds noise to one round.
            return used if unsigned else used & 0xFFFFFFFF

        return read
    return None


def _heap_bytes():
    reader = _heap_reader()
    return reader() if reader is not None else -1


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss_bytes():
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return -1


def _type_name(kind):
    module = getattr(kind, "__module__", None)
    qualname = getattr(kind, "__qualname__", kind.__name__)
    if module in (None, "builtins"):
        return qualname
    return f"{module}.{qualname}"


def _gc_type_counts():
    counts = {}
    for obj in gc.get_objects():
        kind = type(obj)
        counts[kind] = counts.get(kind, 0) + 1
    # Names, not type objects, survive the round: holding a type made during a run would keep it alive.
    return {_type_name(kind): count for kind, count in counts.items()}


def _untraced_extension_holder(obj):
    """The name of a #[pyclass] that `obj` refers to (directly or through one container) and whose
    `__traverse__` does not report `obj` back: when such an instance holds `obj`, the two make a
    cycle the garbage collector cannot see, and `obj`'s references grow although no code forgets
    one. (Every #[pyclass] is a GC type; without `__traverse__` it reports none of its fields.)"""
    try:
        near = list(gc.get_referents(obj))
    except Exception:  # noqa: BLE001 - an exotic object: no cycle to report
        return None
    for referent in list(near):
        if isinstance(referent, (list, tuple, dict, set)):
            near.extend(gc.get_referents(referent))
    for referent in near:
        kind = type(referent)
        if _is_extension_class(kind) and not any(seen is obj for seen in gc.get_referents(referent)):
            return _type_name(kind)
    return None


def _is_extension_class(kind):
    """True for a #[pyclass]: a heap type defined by an extension module (a .so/.pyd file), also
    when its `__module__` is the package that maturin puts around the extension."""
    if not isinstance(kind, type) or not kind.__flags__ & _HEAPTYPE:
        return False
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    name = getattr(kind, "__module__", None) or ""
    module = sys.modules.get(name)
    if (getattr(module, "__file__", None) or "").endswith(suffixes):
        return True
    # maturin's layout: `lrucache` is a package whose `lrucache.lrucache` submodule is the .so.
    for module_name, submodule in list(sys.modules.items()):
        if module_name.startswith(name + ".") and (getattr(submodule, "__file__", None) or "").endswith(suffixes):
            if getattr(submodule, kind.__name__, None) is kind:
                return True
    return False


_freeze_hides_objects = None
# CPython 3.12 starts with a few hundred tuples already frozen; more than that means someone else
# froze objects on purpose, and our unfreeze would undo it: then we do not freeze (only slower).
# Our unfreeze does move those startup tuples to the oldest generation, where 3.11 and 3.13 keep them.
_STARTUP_FREEZE_COUNT = gc.get_freeze_count() if hasattr(gc, "get_freeze_count") else 0

# CPython 3.13 renamed sys._clear_type_cache (and clears more with the new name).
_clear_type_cache = getattr(sys, "_clear_internal_caches", None) or getattr(sys, "_clear_type_cache", lambda: None)


def _clear_caches():
    """Empty the interpreter's bounded caches before a reading, as CPython's refleak runner does:
    the type attribute cache keeps a reference to each attribute name looked up (4096 slots, so a
    name string made per call looks like a leak for thousands of calls), `re` keeps 512 patterns."""
    _clear_type_cache()
    re_module = sys.modules.get("re")
    if re_module is not None:
        re_module.purge()


@contextlib.contextmanager
def _frozen_gc():
    """Hide every existing object from the collector (see the module docstring). Garbage that gets
    frozen with them stays constant during the check, so no (slow, full) collection comes first.

    Yields True when gc.get_objects()/get_referrers() now see only objects made after this point
    (checked once per process: a build whose freeze does not hide objects only makes us slower)."""
    global _freeze_hides_objects
    freeze = hasattr(gc, "freeze") and gc.get_freeze_count() <= _STARTUP_FREEZE_COUNT
    if not freeze:
        gc.collect()
    else:
        marker = [] if _freeze_hides_objects is None else None
        gc.freeze()
        if _freeze_hides_objects is None:
            _freeze_hides_objects = not any(obj is marker for obj in gc.get_objects())
        del marker
    try:
        yield freeze and _freeze_hides_objects
    finally:
        if freeze:
            gc.unfreeze()


@contextlib.contextmanager
def _quiet(output=False):
    """Warnings ignored (pytest records each one: a growing list) and, in the hunt, the test's
    prints sent to /dev/null (a captured stream would grow too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not output:
            yield
            return
        with open(os.devnull, "w", encoding="utf-8") as sink:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                yield


# --- what to watch ----------------------------------------------------------------------------------


def _watchable(obj):
    """False for objects whose refcount says nothing: immortal, cached singletons, code-like objects."""
    if obj is None or obj is True or obj is False or obj is Ellipsis or obj is NotImplemented:
        return False
    if isinstance(obj, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                        types.CodeType, types.FrameType, types.MethodWrapperType, types.WrapperDescriptorType,
                        types.MethodDescriptorType, types.GetSetDescriptorType, types.MemberDescriptorType)):
        return False
    if type(obj) is int and -5 <= obj <= 256:
        return False
    if type(obj) in (str, bytes, tuple, frozenset) and len(obj) == 0:
        return False
    if type(obj) in (str, bytes) and len(obj) == 1 and (type(obj) is bytes or ord(obj) < 256):
        return False
    return sys.getrefcount(obj) < IMMORTAL_REFCOUNT


def _short_repr(obj, limit=40):
    try:
        text = repr(obj)
    except Exception:
        text = f"<{type(obj).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _children(obj, label):
    """(label, child) pairs one level down: container items, instance attributes, #[pyclass] getters."""
    kind = type(obj)
    if isinstance(obj, (list, tuple)):
        return [(f"{label}[{index}]", item) for index, item in enumerate(obj[:MAX_CHILDREN])]
    if isinstance(obj, dict):
        pairs = []
        for key, value in list(obj.items())[:MAX_CHILDREN]:
            pairs.append((f"{label}[{_short_repr(key, 20)}]", value))
            pairs.append((f"key {_short_repr(key, 20)} of {label}", key))
        return pairs
    if isinstance(obj, (set, frozenset)):
        return [(f"an item of {label}", item) for item in list(obj)[:MAX_CHILDREN]]
    if isinstance(obj, (str, bytes, bytearray, int, float, complex, memoryview, range)):
        return []
    pairs = []
    instance_dict = getattr(obj, "__dict__", None)
    if isinstance(instance_dict, dict):
        pairs += [(f"{label}.{name}", value) for name, value in list(instance_dict.items())[:MAX_CHILDREN]]
    # __slots__ and #[pyclass] fields exposed with #[pyo3(get)]: data descriptors on the type.
    if kind.__flags__ & _HEAPTYPE:
        for name in dir(kind)[: MAX_CHILDREN * 2]:
            if name.startswith("__"):
                continue
            descriptor = inspect.getattr_static(kind, name, None)
            if isinstance(descriptor, (types.GetSetDescriptorType, types.MemberDescriptorType)):
                try:
                    pairs.append((f"{label}.{name}", getattr(obj, name)))
                except Exception:
                    pass
    return pairs[:MAX_CHILDREN]


class _Watch:
    """Objects whose refcounts are read after every round. Each has a label (the expression that
    reaches it: `person.name`, `rows[1]`), a root (how its root object is described: "argument
    `person`", "global `DATA`", "fixture `cache`", "constant 'x' in test_y") and a role: "argument"
    for a root (what the call or the test hands over), "reachable" for what is found below one."""

    def __init__(self):
        self.objects = []
        self.labels = []
        self.roles = []
        self.roots = []
        self._seen = set()

    def add(self, obj, label, role, root):
        if len(self.objects) >= MAX_WATCHED or id(obj) in self._seen or not _watchable(obj):
            return False
        self._seen.add(id(obj))
        self.objects.append(obj)
        self.labels.append(label)
        self.roles.append(role)
        self.roots.append(root)
        return True

    def add_tree(self, obj, label, root, depth=WATCH_DEPTH, role="argument"):
        """Watch `obj` (when watchable) and what is reachable from it, `depth` levels down."""
        self.add(obj, label, role, root)
        if depth <= 0 or isinstance(obj, (type, types.ModuleType)):
            return
        try:
            children = _children(obj, label)
        except Exception:  # a broken __repr__/__dict__/getter: watch less
            return
        for child_label, child in children:
            self.add_tree(child, child_label, root, depth - 1, role="reachable")

    def describe(self, index):
        """`argument `x``, or `` `x.name` (reached from argument `x`) ``."""
        if self.roles[index] == "argument":
            return self.roots[index]
        return f"`{self.labels[index]}` (reached from {self.roots[index]})"

    def refcounts(self, into, offset):
        getrefcount = sys.getrefcount
        objects = self.objects
        for index in range(len(objects)):
            into[offset + index] = getrefcount(objects[index])

    def snapshot(self):
        values = array.array("q", bytes(8 * len(self.objects)))
        self.refcounts(values, 0)
        return values


def _argument_names(func, args, kwargs):
    """Names for the positional arguments (from the signature where there is one) and the call text."""
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = []
    for index in range(len(args)):
        if index < len(parameters):
            parameter = parameters[index]
            if parameter.kind == parameter.VAR_POSITIONAL:
                names += [f"{parameter.name}[{rest}]" for rest in range(len(args) - index)]
                break
            names.append(parameter.name)
        else:
            names.append(f"argument {index + 1}")
    qualname = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or type(func).__name__
    qualname = qualname.rpartition("<locals>.")[2]  # `test_x.<locals>.Box.put` → `Box.put`
    call = f"{qualname}({', '.join(names + list(kwargs))})"
    return names, call


def _watch_call(func, args, kwargs, names):
    watch = _Watch()
    receiver = getattr(func, "__self__", None)
    if receiver is not None and not isinstance(receiver, types.ModuleType):
        watch.add_tree(receiver, "self", "argument `self`")
    for name, value in zip(names, args):
        watch.add_tree(value, name, f"argument `{name}`")
    for name, value in kwargs.items():
        watch.add_tree(value, name, f"argument `{name}`")
    return watch


def _code_constants(code):
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_constants(constant)
        elif isinstance(constant, (tuple, frozenset)):
            yield constant
            for item in constant:
                if not isinstance(item, types.CodeType):
                    yield item
        else:
            yield constant


def _code_names(code):
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _code_names(constant)
    return names


def _watch_test(item):
    """The objects that outlive one run of the test: its constants, the globals and attributes it names,
    its fixture values, and (two levels) what they hold."""
    watch = _Watch()
    function = getattr(item, "obj", None)
    function = getattr(function, "__func__", function)
    code = getattr(function, "__code__", None)
    funcargs = getattr(item, "funcargs", {}) or {}
    for name, value in funcargs.items():
        if name == "request" or type(value).__module__.startswith(("_pytest", "pytest")):
            continue
        watch.add_tree(value, name, f"fixture `{name}`")
    if code is None:
        return watch
    test_name = item.name
    for constant in _code_constants(code):
        text = _short_repr(constant)
        watch.add_tree(constant, text, f"constant {text} in {test_name}", depth=1)
    names = _code_names(code)
    namespace = getattr(function, "__globals__", {})
    for name in sorted(names):
        if name not in namespace:
            continue
        value = namespace[name]
        watch.add_tree(value, name, f"global `{name}`")
        if isinstance(value, (types.ModuleType, type)):
            # `m.CONSTANT`, `Class.attr`: attributes the test names on a module or class it uses.
            for attribute in sorted(names):
                member = inspect.getattr_static(value, attribute, None)
                if member is not None:
                    watch.add_tree(member, f"{name}.{attribute}", f"`{name}.{attribute}`")
    return watch


# --- measuring rounds -------------------------------------------------------------------------------


class _Meter:
    """Counters after each round, kept in arrays so that the bookkeeping itself allocates nothing
    per round (a list of ints would add a block per reading)."""

    def __init__(self, watch, rounds):
        self.watch = watch
        self.rounds = rounds
        self.blocks = array.array("q", bytes(8 * rounds))
        self.heap = array.array("q", bytes(8 * rounds))
        self.rss = array.array("q", bytes(8 * rounds))
        self.unfreed = array.array("q", bytes(8 * rounds))
        self.refs = array.array("q", bytes(8 * rounds * len(watch.objects)))
        self._types_before = None
        self.type_growth = None  # name → list of per-round deltas (measured rounds), types that grew in all so far

    def sample(self, round_index, measured):
        _clear_caches()
        gc.collect()
        # A second pass finds objects the first one found unreachable but could not free.
        self.unfreed[round_index] = gc.collect()
        self.blocks[round_index] = sys.getallocatedblocks()
        self.heap[round_index] = _heap_bytes()
        self.rss[round_index] = _rss_bytes()
        self.watch.refcounts(self.refs, round_index * len(self.watch.objects))
        counts = _gc_type_counts()
        if measured and self._types_before is not None:
            before = self._types_before
            if self.type_growth is None:
                self.type_growth = {
                    name: [count - before.get(name, 0)] for name, count in counts.items() if count > before.get(name, 0)
                }
            else:
                for name in list(self.type_growth):
                    delta = counts.get(name, 0) - before.get(name, 0)
                    if delta > 0:
                        self.type_growth[name].append(delta)
                    else:
                        del self.type_growth[name]
        self._types_before = counts

    def deltas(self, values, first_measured):
        return [values[index] - values[index - 1] for index in range(first_measured, self.rounds)]

    def ref_deltas(self, watch_index, first_measured):
        width = len(self.watch.objects)
        return [
            self.refs[index * width + watch_index] - self.refs[(index - 1) * width + watch_index]
            for index in range(first_measured, self.rounds)
        ]


def grows(deltas, threshold):
    """CPython's rule: a leak only when every measured round grew by at least `threshold`."""
    return bool(deltas) and all(delta >= threshold for delta in deltas)


def dropped(before, during):
    """True when a refcount fell by >= MIN_DROP over the probe and never rose (`during`: after each call)."""
    previous = before
    for value in during:
        if value > previous:
            return False
        previous = value
    return before - previous >= MIN_DROP


class _Thresholds:
    def __init__(self, refs, blocks, objects, heap, rss):
        self.refs, self.blocks, self.objects, self.heap, self.rss = refs, blocks, objects, heap, rss

    @classmethod
    def for_calls(cls, calls):
        tenth = max(1, calls // 10)
        return cls(
            refs=tenth,
            blocks=max(MIN_BLOCKS_GROWTH, tenth),
            objects=tenth,
            heap=max(MIN_HEAP_GROWTH, HEAP_GROWTH_PER_CALL * calls),
            rss=max(MIN_RSS_GROWTH, RSS_GROWTH_PER_CALL * calls),
        )

    @classmethod
    def for_runs(cls, runs):
        return cls(
            refs=runs,
            blocks=runs,
            objects=runs,
            heap=max(MIN_HEAP_GROWTH, HUNT_HEAP_GROWTH_PER_RUN * runs),
            rss=HUNT_MIN_RSS_GROWTH,
        )


def _resizable(obj):
    """For a bytearray/array.array: can it still be resized? None for other objects."""
    import array as array_module

    try:
        if isinstance(obj, bytearray):
            obj.append(0)
            obj.pop()
        elif isinstance(obj, array_module.array) and len(obj):
            obj.append(obj[-1])
            obj.pop()
        else:
            return None
    except BufferError:
        return False
    return True


def _format_count(value):
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.2g}" if value < 10 else f"{value:.0f}"


def _format_bytes(value):
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(value) >= size:
            return f"{value / size:.1f} {unit}"
    return f"{int(value)} bytes"


def _count(count, word):
    """`1 reference`, `2 references`, `0.5 references`."""
    text = _format_count(count)
    return f"{text} {word if text == '1' else word + 's'}"


def _times(count, unit):
    """How many calls or runs of the test a round made: `1 call`, `1000 calls`, `1 run`, `2 runs`."""
    return _count(count, "call" if unit == "call" else "run")


def _be(count):
    return "is" if count == 1 else "are"


def _held_by_new_objects(obj, exclude):
    """References to `obj` from objects the collector sees (only new ones while it is frozen)."""
    held = 0
    for holder in gc.get_referrers(obj):
        if holder is exclude or isinstance(holder, types.FrameType):
            continue
        held += sum(1 for referent in gc.get_referents(holder) if referent is obj)
    return held


class _Analysis:
    """Turns a meter's readings into finding records. `unit` is "call" or "run of the test"."""

    def __init__(self, meter, first_measured, per_round, thresholds, unit, test, call, total_rounds_calls):
        self.meter = meter
        self.first = first_measured
        self.per_round = per_round
        self.limits = thresholds
        self.unit = unit
        self.test = test
        self.call = call
        self.window_calls = total_rounds_calls

    def record(self, leak_kind, growth, message, hint_key=None, **extra):
        per_call = growth / self.per_round
        record = {
            "kind": "leak",
            "test": self.test,
            "call": self.call,
            "check": _check(self.unit),
            "leak_kind": leak_kind,
            "per_call": round(per_call, 3),
            "calls": self.per_round,
            "growth": float(growth),  # a median: int or float by the round count; float on the wire
            "message": message,
            "hint": HINTS[hint_key or leak_kind],
        }
        record.update(extra)
        return record

    def per_text(self, growth):
        return f"per {self.unit} ({_times(self.per_round, self.unit)} → +{_format_count(growth)})"

    def findings(self, resizable_before, new_objects_visible=True):
        """Records for everything that grew, most specific first. `new_objects_visible`: the collector
        was frozen before the rounds, so gc.get_objects()/get_referrers() see only new objects."""
        meter, watch, first = self.meter, self.meter.watch, self.first
        per_round, unit = self.per_round, self.unit

        grown_refs = []  # (watch index, growth per round)
        for index in range(len(watch.objects)):
            deltas = meter.ref_deltas(index, first)
            if grows(deltas, self.limits.refs):
                grown_refs.append((index, statistics.median(deltas)))

        type_growth = meter.type_growth or {}
        grown_types = sorted(
            ((name, statistics.median(deltas)) for name, deltas in type_growth.items() if grows(deltas, self.limits.objects)),
            key=lambda pair: -pair[1],
        )
        unfreed = meter.deltas(meter.unfreed, first)
        zombies = statistics.median(unfreed) if grows(unfreed, self.limits.objects) else 0

        exports, ref_findings = [], []
        for index, growth in grown_refs:
            obj, label = watch.objects[index], watch.labels[index]
            named = watch.describe(index)
            if resizable_before.get(index) is not False and _resizable(obj) is False:
                exports.append(self.record(
                    "buffer_export", growth,
                    f"{named} keeps {_count(growth / per_round, 'more buffer export')} {self.per_text(growth)}: "
                    "it can no longer be resized (BufferError), so a buffer taken from it was never released",
                    object=label,
                ))
                continue
            if grown_types and new_objects_visible and _held_by_new_objects(obj, watch.objects) >= growth * (meter.rounds - 1):
                continue  # the leaking objects below hold these references: not a separate leak
            kind = "argument_refs" if watch.roles[index] == "argument" else "reachable_refs"
            untraced = _untraced_extension_holder(obj)
            if untraced:
                # The object holds an instance that holds it back: a cycle the collector cannot see.
                ref_findings.append(self.record(
                    kind, growth,
                    f"+{_count(growth / per_round, 'reference')} to {named} {self.per_text(growth)}: "
                    f"it is in a cycle through `{untraced}`, whose references the garbage collector cannot see",
                    hint_key="uncollectable_cycle", object=label,
                ))
                continue
            ref_findings.append(self.record(
                kind, growth,
                f"+{_count(growth / per_round, 'reference')} to {named} {self.per_text(growth)}",
                object=label,
            ))

        object_findings = []
        type_names = [name for name, _ in grown_types]
        if zombies:
            listed = ", ".join(f"`{name}`" for name in type_names[:3]) or "objects"
            object_findings.append(self.record(
                "uncollectable_cycle", zombies,
                f"{_count(zombies / per_round, 'object')} ({listed}) {_be(zombies / per_round)} left in reference cycles "
                f"that the garbage collector finds but cannot break, {self.per_text(zombies)}",
                hint_key="uncollectable_cycle_clear", types=type_names,
            ))
        elif grown_types:
            name, growth = grown_types[0]
            others = "".join(f", {_count(g / per_round, f'`{n}`')}" for n, g in grown_types[1:3])
            survive = "survives" if _format_count(growth / per_round) == "1" and not others else "survive"
            text = f"{_count(growth / per_round, 'object')} of type `{name}`{others} {survive} gc.collect() {self.per_text(growth)}"
            cycle_types = _cycles_through_extension_classes(type_names) if new_objects_visible else []
            if cycle_types:
                object_findings.append(self.record(
                    "uncollectable_cycle", growth,
                    f"{text}: in cycles through `{cycle_types[0]}`, whose references the garbage collector cannot see",
                    types=type_names,
                ))
            else:
                object_findings.append(self.record("gc_objects", growth, text, types=type_names))

        blocks = meter.deltas(meter.blocks, first)
        blocks_grow = meter.blocks[0] > 0 and grows(blocks, self.limits.blocks)
        if blocks_grow and not object_findings and not ref_findings and not exports:
            growth = statistics.median(blocks)
            made = "the call" if unit == "call" else "the test"
            object_findings.append(self.record(
                "new_objects", growth,
                f"+{_count(growth / per_round, 'memory block')} {'stays' if _format_count(growth / per_round) == '1' else 'stay'} allocated "
                f"{self.per_text(growth)}: objects "
                f"created during {made} are never freed",
            ))

        cycles = [record for record in object_findings if record["leak_kind"] == "uncollectable_cycle"]
        others = [record for record in object_findings if record["leak_kind"] != "uncollectable_cycle"]
        findings = exports + cycles + ref_findings + others

        heap_ok = meter.heap[0] >= 0
        memory = meter.deltas(meter.heap if heap_ok else meter.rss, first)
        if not findings and grows(memory, self.limits.heap if heap_ok else self.limits.rss):
            growth = statistics.median(memory)
            source = "the malloc heap" if heap_ok else "the process's resident memory"
            findings.append(self.record(
                "rust_heap", growth,
                f"{source} grows by {_format_bytes(growth / per_round)} per {unit} "
                f"({_times(per_round, unit)} → +{_format_bytes(growth)}) while no Python object leaks",
            ))
        elif findings and heap_ok and not exports and not cycles:
            leaked = sum(record["growth"] for record in ref_findings) or (
                sum(growth for _, growth in grown_types) or (statistics.median(blocks) if blocks_grow else 0)
            )
            self._guess_static_cache(findings, leaked)
        return findings

    def _guess_static_cache(self, findings, leaked_per_round):
        """Refs/objects leak AND the heap grows by a collection slot's worth per leaked object."""
        if not leaked_per_round:
            return
        meter = self.meter
        heap_growth = meter.heap[meter.rounds - 1] - meter.heap[0]
        leaked = leaked_per_round * (meter.rounds - 1)
        low, high = STATIC_CACHE_BYTES_PER_OBJECT
        if heap_growth < MIN_HEAP_GROWTH or not low * leaked <= heap_growth <= high * leaked:
            return
        first = findings[0]
        first["leak_kind"] = "static_cache"
        first["message"] += (
            f"; the heap grows with them (~{_format_bytes(heap_growth / leaked)} per object): "
            "they are kept in a collection that grows on every call"
        )
        first["hint"] = HINTS["static_cache"]


def _trace(meter, first, per_round, unit, test, call, records):
    """With LESSONGRADER_LEAK_TRACE=<file>, append every check's readings as one JSON line: the
    per-round deltas of each counter in the measured rounds, for calibrating the thresholds."""
    path = os.environ.get("LESSONGRADER_LEAK_TRACE")
    if not path:
        return
    import json

    width = len(meter.watch.objects)
    refs = [
        max((abs(delta) for delta in (meter.ref_deltas(index, first)[round_index] for index in range(width))), default=0)
        for round_index in range(meter.rounds - first)
    ]
    line = {
        "test": test, "call": call, "unit": unit, "per_round": per_round, "watched": width,
        "blocks": meter.deltas(meter.blocks, first), "heap": meter.deltas(meter.heap, first),
        "rss": meter.deltas(meter.rss, first), "unfreed": meter.deltas(meter.unfreed, first),
        "largest_ref_change": refs, "types_growing": meter.type_growth or {},
        "found": [record["leak_kind"] for record in records],
    }
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


def _cycles_through_extension_classes(type_names):
    """Names of #[pyclass] types among the leaking ones whose instances sit in a cycle the collector
    cannot see: an instance is held by a leaking object that nothing visible to the collector holds
    (its other holder is the instance's untraversed Py field).

    Called only once a leak is found; with the collector frozen it searches the new objects only."""
    wanted = set(type_names)
    instances = [obj for obj in gc.get_objects() if _type_name(type(obj)) in wanted and _is_extension_class(type(obj))]
    found = []
    for index in range(max(0, len(instances) - 5), len(instances)):
        holders = [holder for holder in gc.get_referrers(instances[index]) if holder is not instances]
        # Held by a leaking object nothing visible holds; or a container that holds objects but
        # shows the collector none (no `__traverse__`) and is held by references no visible
        # object accounts for (a cache that holds itself). A merely forgotten reference to a
        # container that does traverse its contents is not a cycle. (Indexing, not a loop
        # variable: every reference to the instance here is a visible list.)
        hidden = any(count > 0 for count in _hidden_references(holders))
        if hidden or (_untraversed_container(instances[index]) and _hidden_references([instances[index]])[0] > 0):
            name = _type_name(type(instances[index]))
            if name not in found:
                found.append(name)
        del holders
    del instances
    return found


def _untraversed_container(instance):
    """A #[pyclass] instance that holds items (`len` > 0) yet reports none to the collector."""
    try:
        size = len(instance)
    except Exception:  # noqa: BLE001 - not a container, or its __len__ failed: no claim
        return False
    return size > 0 and not [referent for referent in gc.get_referents(instance) if referent is not type(instance)]


def _hidden_references(objects):
    """For each object: references that no object the collector sees accounts for.

    Our own references (loop variable, call arguments) differ between Python versions, so they are
    measured on a control object held exactly once by a visible list and subtracted."""
    control_holder = [[]]
    candidates = [control_holder[0]] + list(objects)
    counts = []
    for obj in candidates:
        visible = 0
        for holder in gc.get_referrers(obj):
            visible += sum(1 for referent in gc.get_referents(holder) if referent is obj)
        counts.append(sys.getrefcount(obj) - visible)
    own = counts[0]
    return [count - own for count in counts[1:]]


def _heal(obj, count):
    """Give back `count` references a faulty function released, so the object is not freed early."""
    for _ in range(count):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def _current_test():
    current = os.environ.get("PYTEST_CURRENT_TEST", "")
    return current.rsplit(" (", 1)[0] if current else ""


# --- assert_no_leaks ----------------------------------------------------------------------------------

# Node ids of tests that called assert_no_leaks: the hunt skips them (they are checked call by call).
_checked_tests = set()
# True while the plugin runs the tests for correctness (phase 1): assert_no_leaks then checks outcomes
# only, as with leak checks off, and measures when the plugin runs the test again (phase 2).
_deferred = False


def defer_measurements(deferred):
    """The plugin's switch between its tests phase (True) and its leak phase (False)."""
    global _deferred
    _deferred = bool(deferred)


def checked_tests():
    """Node ids of the tests that called `assert_no_leaks` so far."""
    return frozenset(_checked_tests)


@functools.lru_cache(maxsize=None)
def _settings():
    """The grader's `[leaks]` settings; checks are on when pytest runs without the grader."""
    config = results.config()
    leaks = dict((config or {}).get("leaks") or {})
    leaks.setdefault("enabled", True)
    return leaks


def _rounds(settings):
    warmup = max(1, int(settings.get("warmup_rounds", DEFAULT_WARMUP_ROUNDS)))
    measured = max(2, int(settings.get("measured_rounds", DEFAULT_MEASURED_ROUNDS)))
    return warmup, measured


def assert_no_leaks(func, *args, calls=1000, raises=None, **kwargs):
    """Call `func(*args, **kwargs)` `calls` times per round, after warm-up, and fail with `LeakError`
    when references, objects or memory grow (or an argument loses references). With `raises`, every
    call must raise that exception type; any other outcome is an AssertionError saying so.

    The grader's `--no-leaks` (`leaks.enabled = false`) makes this call `func` three times only
    (checking `raises`, measuring nothing; references an argument loses are still given back). So
    does the plugin's tests phase (`defer_measurements`): the test runs again later, measuring."""
    __tracebackhide__ = True
    test = _current_test()
    if test:
        _checked_tests.add(test)
    names, call = _argument_names(func, args, kwargs)
    invoke = _invoker(func, args, kwargs, raises, call)
    settings = _settings()
    if _deferred or not settings.get("enabled", True):
        # Nothing is measured, but the guard stays: a function that releases references it does not
        # own must not free an argument and crash the quick run the learner asked for.
        arguments = _Watch()
        for index, value in enumerate(list(args) + list(kwargs.values())):
            arguments.add(value, str(index), "argument", "")
        _probe_drops(arguments, invoke, 3, lambda index: True, collect=False)
        return
    if calls < 1:
        raise ValueError("calls must be at least 1")

    with _quiet(), _frozen_gc() as frozen:
        watch = _watch_call(func, args, kwargs, names)
        resizable_before = {index: _resizable(obj) for index, obj in enumerate(watch.objects)}
        # The probe's first call also fails the check on a wrong outcome.
        drop = _probe_drops(watch, invoke, DROP_PROBE_CALLS, lambda index: watch.roles[index] == "argument")
        if drop is not None:
            records = [_drop_record(watch, drop, test, call, DROP_PROBE_CALLS, "call")]
            _emit(records)
            raise LeakError(records)
        seconds_per_call = _time_calls(invoke)
        warmup, measured = _rounds(settings)
        rounds = warmup + measured
        per_round = calls
        if seconds_per_call * calls * rounds > CALL_BUDGET_SECONDS:
            per_round = max(MIN_CALLS_PER_ROUND, int(CALL_BUDGET_SECONDS / (seconds_per_call * rounds)))
            per_round = min(per_round, calls)
        meter = _Meter(watch, rounds)
        loop = range(per_round)
        for round_index in range(rounds):
            for _ in loop:
                invoke()
            meter.sample(round_index, measured=round_index >= warmup)
        analysis = _Analysis(meter, warmup, per_round, _Thresholds.for_calls(per_round), "call", test, call, rounds * per_round)
        records = analysis.findings(resizable_before, new_objects_visible=frozen)
        _trace(meter, warmup, per_round, "call", test, call, records)
        del meter, analysis
    if records:
        _emit(records)
        raise LeakError(records)


def _invoker(func, args, kwargs, raises, call):
    if raises is None:

        def invoke():
            try:
                func(*args, **kwargs)
            except Exception as error:
                raise AssertionError(f"{call} raised {type(error).__name__}: {error} (no exception was expected)") from error

        return invoke

    def invoke_raising():
        try:
            func(*args, **kwargs)
        except raises:
            return
        except Exception as error:
            raise AssertionError(
                f"{call} raised {type(error).__name__}: {error} (expected {_exception_names(raises)})"
            ) from error
        raise AssertionError(f"{call} returned normally (expected it to raise {_exception_names(raises)})")

    return invoke_raising


def _exception_names(raises):
    if isinstance(raises, tuple):
        return " or ".join(kind.__name__ for kind in raises)
    return raises.__name__


def _time_calls(invoke, count=3):
    start = time.perf_counter()
    for _ in range(count):
        invoke()
    return (time.perf_counter() - start) / count


def _probe_drops(watch, run, times, eligible, collect=True):
    """Run `run` a few times with GUARD_REFERENCES extra references on every watched object; return
    (index, total drop) for the first eligible object whose refcount fell (see `dropped`), or None.

    Falls are given back before the guard goes, also when a run raises (then any fall counts), so
    that a function releasing references it does not own cannot free an object while in use."""
    guard = [obj for obj in watch.objects for _ in range(GUARD_REFERENCES)]
    before = watch.snapshot()
    after = []
    found = None
    completed = False
    try:
        for _ in range(times):
            run()
            if collect:
                gc.collect()
            after.append(watch.snapshot())
        completed = True
    finally:
        now = watch.snapshot()
        for index, obj in enumerate(watch.objects):
            if not eligible(index):
                continue
            trail = [snapshot[index] for snapshot in after]
            if completed and not dropped(before[index], trail):
                continue
            fall = before[index] - now[index]
            if fall > 0:
                _heal(obj, fall)
                if found is None:
                    found = (index, fall)
        del guard
    return found


def _check(unit):
    """The `check` field of a leak record: which check found it."""
    return "assert_no_leaks" if unit == "call" else "hunt"


def _drop_record(watch, drop, test, call, times, unit):
    index, fall = drop
    label = watch.labels[index]
    named = watch.describe(index)
    per = fall / times
    return {
        "kind": "leak",
        "test": test,
        "call": call,
        "check": _check(unit),
        "leak_kind": "refcount_drop",
        "per_call": round(per, 3),
        "calls": times,
        "growth": float(-fall),
        "message": (
            f"{named} loses {_count(per, 'reference')} per {unit} ({_times(times, unit)} → −{fall}): "
            "the code releases a reference it does not own, and the object will be freed while still in use"
        ),
        "hint": HINTS["refcount_drop"],
        "object": label,
    }


def _emit(records):
    for record in records:
        results.emit(record)


# --- the automatic hunt -------------------------------------------------------------------------------


class _Skip(Exception):
    """The test cannot be hunted (not repeatable, too slow); the reason goes into the summary."""


class LeakHunter:
    """Re-runs passing tests in rounds and reports leaks (see the module docstring). The plugin
    calls `hunt` inside a test's re-run, `rerun_done` after each re-run (hunted or run again for its
    assert_no_leaks calls), and `finish` once, which emits the `leak_summary` record."""

    def __init__(self, settings, emit):
        self.settings = dict(settings or {})
        self.emit = emit
        self.only = set(self.settings.get("tests") or [])
        self.warmup, self.measured = _rounds(self.settings)
        self.tests_hunted = 0
        self.tests_checked = 0
        self.durations = []  # (seconds, node id) of every re-run
        self.skipped = []
        self.leaking = 0

    def wants(self, item):
        if item.get_closest_marker("no_leak_check") is not None:
            return False
        if self.only and item.name not in self.only and getattr(item, "originalname", item.name) not in self.only:
            return False
        if item.nodeid in _checked_tests:
            return False  # it ran assert_no_leaks: checked call by call already
        return callable(getattr(item, "runtest", None)) and hasattr(item, "obj")

    def hunt(self, item, runs_before=1):
        """Hunt one test whose fixtures are set up: emit and return the findings (`leak` records). A
        test that cannot be hunted gives [] and an entry in `skipped`. `runs_before`: how often the
        test ran before (the plugin's tests phase, and maybe a call phase of this re-run); each run
        released as many references as a probe run, and a refcount drop gives those back too."""
        try:
            records = self._hunt(item, runs_before)
        except _Skip as skip:
            self.skipped.append({"test": item.nodeid, "reason": str(skip)})
            return []
        for record in records:
            self.emit(record)
        return records

    def rerun_done(self, nodeid, hunt, findings, problem, seconds):
        """After one re-run: `hunt` says what it was for, `findings` how many leaks it found, `problem`
        why its checks did not run (the re-run failed), or None."""
        if hunt:
            self.tests_hunted += 1
        else:
            self.tests_checked += 1
        if findings:
            self.leaking += 1
        if problem:
            outcome = "not hunted" if hunt else "its assert_no_leaks calls were not all measured"
            self.skipped.append({"test": nodeid, "reason": f"{problem}; {outcome}"})
        self.durations.append((seconds, nodeid))

    def finish(self, seconds):
        """Emit the `leak_summary` record; `seconds`: the whole leak phase."""
        self.emit({
            "kind": "leak_summary",
            "tests_hunted": self.tests_hunted,
            "tests_checked": self.tests_checked,
            "tests_leaking": self.leaking,
            "seconds": round(seconds, 3),
            "slowest": [{"test": test, "seconds": round(seconds, 3)} for seconds, test in sorted(self.durations)[::-1][:5]],
            "skipped": self.skipped,
        })

    def _run(self, item):
        monkeypatch = (getattr(item, "funcargs", None) or {}).get("monkeypatch")
        marks = _monkeypatch_marks(monkeypatch)
        try:
            item.runtest()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # pytest.skip/fail are BaseExceptions too
            raise _Skip(f"the test does not pass when run again ({type(error).__name__}); not hunted") from None
        finally:
            _monkeypatch_trim(monkeypatch, marks)

    def _hunt(self, item, runs_before):
        test, name = item.nodeid, item.name
        warmup, measured = self.warmup, self.measured
        rounds = warmup + measured
        with _quiet(output=True), _frozen_gc() as frozen:
            watch = _watch_test(item)
            durations = []

            def timed_run():
                start = time.perf_counter()
                self._run(item)
                durations.append(time.perf_counter() - start)

            # The probe is also the first warm-up (the test already ran in the tests phase), and its
            # first run checks that the test still passes.
            drop = _probe_drops(watch, timed_run, DROP_PROBE_RUNS, lambda index: watch.roles[index] == "argument")
            seconds_per_run = min(durations)  # a first run may still fill caches
            if drop is not None:
                index, fall = drop
                # Each earlier run dropped as many references as each probe run: give those back too.
                _heal(watch.objects[index], runs_before * (fall // DROP_PROBE_RUNS))
                return [_drop_record(watch, drop, test, name, DROP_PROBE_RUNS, "run of the test")]
            if seconds_per_run * rounds > HUNT_MAX_SECONDS:
                raise _Skip(f"one run takes {seconds_per_run:.2f} s; not hunted")
            per_round = max(1, min(MAX_RUNS_PER_ROUND, int(HUNT_ROUND_SECONDS / max(seconds_per_run, 1e-9))))
            # The tests phase already took (and leaked) the first export, so "was it resizable before"
            # cannot be asked here: a growing refcount on a bytearray that cannot be resized now is enough.
            resizable_before = {}
            meter = _Meter(watch, rounds)
            for round_index in range(rounds):
                for _ in range(per_round):
                    self._run(item)
                meter.sample(round_index, measured=round_index >= warmup)
            analysis = _Analysis(meter, warmup, per_round, _Thresholds.for_runs(per_round), "run of the test", test, name,
                                 rounds * per_round)
            records = analysis.findings(resizable_before, new_objects_visible=frozen)
            _trace(meter, warmup, per_round, "run of the test", test, name, records)
            del meter, analysis
            if records and records[0]["leak_kind"] in ("new_objects", "gc_objects", "static_cache"):
                where = _allocation_site(item, lambda: self._run(item), per_round, records[0].get("types"))
                if where:
                    records[0]["where"] = where
                    records[0]["message"] += f" (allocated at {where})"
        return records


def _monkeypatch_marks(monkeypatch):
    if monkeypatch is None:
        return None
    try:
        return len(monkeypatch._setattr), len(monkeypatch._setitem)
    except AttributeError:
        raise _Skip("uses monkeypatch, whose undo records this pytest version hides; not hunted") from None


def _monkeypatch_trim(monkeypatch, marks):
    """`monkeypatch` records an undo entry for every setattr/setenv, so each re-run would add some:
    undo just what this run added (it re-applied the first run's patches) and drop those records."""
    if marks is None:
        return
    attributes, items = marks
    extra = type(monkeypatch)()
    extra._setattr = monkeypatch._setattr[attributes:]
    extra._setitem = monkeypatch._setitem[items:]
    extra.undo()
    del monkeypatch._setattr[attributes:], monkeypatch._setitem[items:]


def _allocation_site(item, run, per_round, types=None):
    """Where in the test file the objects that stay alive were allocated (tracemalloc, one more
    round). When the finding names their types, the leaked objects themselves say where they were
    allocated (3.11 cannot say it for objects with a managed `__dict__`); otherwise, the test-file
    line whose allocations grew by a round's calls."""
    import tracemalloc

    test_file = str(getattr(item, "path", "") or getattr(item, "fspath", ""))

    def test_line(traceback):
        for frame in reversed(traceback):  # innermost test-file frame first
            if frame.filename == test_file:
                line = linecache.getline(frame.filename, frame.lineno).strip()
                return f"{os.path.basename(frame.filename)}:{frame.lineno} `{line}`" if line else f"{frame.filename}:{frame.lineno}"
        return None

    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start(32)
    try:
        gc.collect()
        before = tracemalloc.take_snapshot()
        for _ in range(per_round):
            run()
        gc.collect()
        after = tracemalloc.take_snapshot()
        if types:
            wanted = set(types)
            for obj in gc.get_objects():
                if _type_name(type(obj)) in wanted:
                    traceback = tracemalloc.get_object_traceback(obj)
                    where = test_line(traceback) if traceback else None
                    if where:
                        return where
    finally:
        if started:
            tracemalloc.stop()
    for stat in after.compare_to(before, "traceback"):
        if stat.count_diff < per_round:
            continue
        where = test_line(stat.traceback)
        if where:
            return where
    return None
