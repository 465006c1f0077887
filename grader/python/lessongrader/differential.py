"""Property-based differential tests: the extension must do what the original Python does.

The tests that `cargo xtask new` generates call these helpers with the original function (the
oracle, kept in `tests/baseline.py`) and the extension's. Arguments are drawn by hypothesis from the
oracle's type hints; both are called with the same arguments, and they must return equal values or
raise the same exception type with the same message. A failure names the smallest call that shows
the difference (hypothesis shrinks it), e.g.

    word_count('a b') returned 1; the original returned 2

Runs are repeatable: hypothesis is derandomized (a fixed seed) and keeps no example database.
Known edge cases run first, every time, as hypothesis `@example`s: `examples=[{"n": 0}, ...]`
(for `check_class`, `(init_kwargs, [(method, kwargs), ...])` pairs); with them, fewer drawn
examples may do (`max_examples=`, 60 by default). Both names are reserved, never a parameter's.
Strategies for hints the table does not cover (or to narrow an input) are passed by name:
`check_function(baseline.f, fast.f, n=st.integers(0, 100))`.
"""

import inspect
import math
import typing

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

# int → i64 in Rust: draw within ±2**31 so a few sums or products of arguments stay within i64.
INT_BOUND = 2**31
# Most drawn ints are small: an int is often a count, an index or a size compared with a drawn
# list or str (at most 40 long), and draws from ±2**31 alone almost never land in that range.
SMALL_INT = 48
SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class NoStrategy(TypeError):
    pass


def strategy_for(hint, where):
    """A hypothesis strategy for a type hint of the builder's table."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is int:
        return st.one_of(st.integers(-4, SMALL_INT), st.integers(-INT_BOUND, INT_BOUND))
    if hint is float:
        return st.floats(allow_nan=False, allow_infinity=False, width=64)
    if hint is bool:
        return st.booleans()
    if hint is str:
        return st.text(max_size=40)
    if hint is bytes:
        return st.binary(max_size=64)
    if hint is type(None) or hint is None:
        return st.none()
    if origin is list:
        return st.lists(strategy_for(args[0], where), max_size=20)
    if origin is dict:
        return st.dictionaries(strategy_for(args[0], where), strategy_for(args[1], where), max_size=10)
    if origin is tuple and args and args[-1] is not Ellipsis:
        return st.tuples(*(strategy_for(arg, where) for arg in args))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", typing.Union)):
        return st.one_of(*(strategy_for(arg, where) for arg in args))
    raise NoStrategy(
        f"no strategy for {where} (hint: {getattr(hint, '__name__', hint)!s}): pass one, "
        f"e.g. check_function(..., {where.split()[-1]}=st.integers())"
    )


def _parameter_strategies(function, overrides, skip_self=False):
    signature = inspect.signature(function)
    hints = typing.get_type_hints(function)
    strategies = {}
    for index, (name, parameter) in enumerate(signature.parameters.items()):
        if skip_self and index == 0:
            continue
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if name in overrides:
            strategies[name] = overrides[name]
        elif name in hints:
            strategies[name] = strategy_for(hints[name], f"parameter {name}")
        else:
            raise NoStrategy(
                f"no strategy for parameter {name} of {function.__qualname__} (it has no hint): pass one, "
                f"e.g. check_function(..., {name}=st.integers())"
            )
    return strategies


def _outcome(call):
    try:
        return ("returned", call())
    except (KeyboardInterrupt, SystemExit):
        raise
    # The oracle's exceptions are part of its behaviour. A Rust panic arrives as PyO3's
    # PanicException, a BaseException: caught too, so that hypothesis shrinks it to the smallest
    # call that panics and the failure names that call.
    except BaseException as error:
        return ("raised", error)


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _describe(outcome):
    kind, value = outcome
    if kind == "raised":
        return f"raised {type(value).__name__}({str(value)!r})"
    return f"returned {value!r}"


def _call_text(name, kwargs):
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


def compare(call_text, expected, actual):
    """Fail with one readable line when two outcomes differ."""
    if expected[0] == "raised" and actual[0] == "raised":
        same = type(expected[1]) is type(actual[1]) and str(expected[1]) == str(actual[1])
    elif expected[0] == actual[0]:
        same = _same(expected[1], actual[1])
    else:
        same = False
    if not same:
        raise AssertionError(f"{call_text} {_describe(actual)}; the original {_describe(expected)}")


def _run(test, examples, max_examples):
    """Run a `@given` test: the explicit examples first, then the drawn ones."""
    for case in reversed(examples):
        test = example(*case)(test)
    chosen = SETTINGS if max_examples is None else settings(SETTINGS, max_examples=max_examples)
    chosen(test)()


def check_function(original, extension, examples=(), max_examples=None, **overrides):
    """The extension's function returns and raises what the original does, on drawn arguments
    and on each of `examples` (keyword-argument dicts)."""
    strategies = _parameter_strategies(original, overrides)

    @given(st.fixed_dictionaries(strategies))
    def differential(kwargs):
        expected = _outcome(lambda: original(**kwargs))
        actual = _outcome(lambda: extension(**kwargs))
        compare(_call_text(original.__name__, kwargs), expected, actual)

    _run(differential, [(kwargs,) for kwargs in examples], max_examples)


def check_class(original, extension, methods=None, examples=(), max_examples=None, **overrides):
    """Construct both classes with the same arguments, then apply the same drawn sequence of method
    calls to both: every call must return (or raise) the same. `overrides` are keyed
    `"method.param"` (or `"param"` for `__init__`); `examples` are `(init_kwargs, [(method,
    kwargs), ...])` pairs, checked before the drawn ones."""
    names = methods or [
        name for name, value in vars(original).items() if callable(value) and not name.startswith("_")
    ]
    init_strategies = _parameter_strategies(
        original.__init__, {k: v for k, v in overrides.items() if "." not in k}, skip_self=True
    ) if "__init__" in vars(original) else {}
    calls = []
    for name in names:
        own = {k.split(".", 1)[1]: v for k, v in overrides.items() if k.startswith(f"{name}.")}
        strategies = _parameter_strategies(getattr(original, name), own, skip_self=True)
        calls.append(st.tuples(st.just(name), st.fixed_dictionaries(strategies)))
    steps = st.lists(st.one_of(*calls), max_size=12) if calls else st.just([])

    @given(st.fixed_dictionaries(init_strategies), steps)
    def differential(init, sequence):
        made = _outcome(lambda: original(**init))
        built = _outcome(lambda: extension(**init))
        history = _call_text(original.__name__, init)
        if made[0] == "raised" or built[0] == "raised":
            compare(history, made, built)
            return
        mine, theirs = built[1], made[1]
        for name, kwargs in sequence:
            step = f"{history}.{_call_text(name, kwargs)}"
            compare(step, _outcome(lambda: getattr(theirs, name)(**kwargs)), _outcome(lambda: getattr(mine, name)(**kwargs)))
            history = f"{history}; then .{_call_text(name, kwargs)}"

    _run(differential, list(examples), max_examples)


def typical(hint):
    """An ordinary, non-trivial value of a hint, for single-call leak checks."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is int:
        return 12345
    if hint is float:
        return 2.5
    if hint is bool:
        return True
    if hint is str:
        return "héllo, wörld"
    if hint is bytes:
        return b"\x00leak\xffcheck"
    if origin is list:
        return [typical(args[0]) for _ in range(5)]
    if origin is dict:
        return {typical(args[0]): typical(args[1])}
    if origin is tuple:
        return tuple(typical(arg) for arg in args)
    if args:  # Optional / X | None
        return typical(next(arg for arg in args if arg is not type(None)))
    raise NoStrategy(f"no typical value for {hint!r}")


def typical_kwargs(function, skip_self=False, **overrides):
    if inspect.isclass(function):  # a constructor: the hints are __init__'s
        function = function.__init__ if "__init__" in vars(function) else (lambda self: None)
        skip_self = True
    hints = typing.get_type_hints(function)
    params = list(inspect.signature(function).parameters.values())[1 if skip_self else 0 :]
    return {
        p.name: overrides[p.name] if p.name in overrides else typical(hints.get(p.name))
        for p in params
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }


def leak_check(original, extension, calls=1000, **overrides):
    """`assert_no_leaks` on the extension with typical arguments; an exception the original raises
    for them is expected of the extension too (its error path is then what is hunted)."""
    from .leaks import assert_no_leaks

    kwargs = typical_kwargs(original, **overrides)
    kind, value = _outcome(lambda: original(**kwargs))
    raises = type(value) if kind == "raised" else None
    assert_no_leaks(extension, calls=calls, raises=raises, **kwargs)


def leak_check_methods(original, extension, calls=1000, **overrides):
    """`leak_check` for every public method, each on a fresh pair of instances made with typical
    arguments. A method whose state legitimately grows with each call should get its own test."""
    init = typical_kwargs(original.__init__, skip_self=True) if "__init__" in vars(original) else {}
    for name, value in vars(original).items():
        if callable(value) and not name.startswith("_"):
            mine, theirs = extension(**init), original(**init)
            own = {k.split(".", 1)[1]: v for k, v in overrides.items() if k.startswith(f"{name}.")}
            leak_check(getattr(theirs, name), getattr(mine, name), calls=calls, **own)


def large(hint, rng, size):
    """A large, typical value of a hint (`size` elements or characters), from `rng`."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is int:
        return rng.randint(-1000, 1000)
    if hint is float:
        return rng.uniform(-1000.0, 1000.0)
    if hint is bool:
        return rng.random() < 0.5
    if hint is str:
        words = ["lorem", "ipsum", "dolor", "sit", "amet", "ünïcode", "x", "the", "and", "data"]
        return " ".join(rng.choice(words) for _ in range(max(1, size // 6)))
    if hint is bytes:
        return bytes(rng.randrange(256) for _ in range(size))
    if origin is list:
        return [large(args[0], rng, 8) for _ in range(size)]
    if origin is dict:
        return {large(args[0], rng, 8): large(args[1], rng, 8) for _ in range(size)}
    if origin is tuple:
        return tuple(large(arg, rng, size) for arg in args)
    if args:
        return large(next(arg for arg in args if arg is not type(None)), rng, size)
    raise NoStrategy(f"no large value for {hint!r}: write tests/speed.py's input by hand")


def large_args(function, size=20_000, seed=19):
    """Positional arguments for a speed case: large typical values, the same on every run."""
    import random

    rng = random.Random(seed)
    hints = typing.get_type_hints(function)
    return [
        large(hints.get(p.name), rng, size)
        for p in inspect.signature(function).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.default is p.empty
    ]
