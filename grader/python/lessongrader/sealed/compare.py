"""The trusted side's comparison of two outcomes, and the words a failure is reported in.

An outcome is `("returned", value, args_after)` or `("raised", Raised, args_after)` as
`protocol.decode_answer` builds it; anything else (a crash, no answer, a bad frame) never equals
anything. Values are compared with their exact types: `1` is not `1.0`, a tuple is not a list;
floats within the suite's tolerance (NaN equals NaN); exceptions by type name and message, and by
errno, strerror and filename when either side has them.
"""

import array
import math

from . import protocol

CLIP = 300


def same(a, b, rel_tol, abs_tol):
    if type(a) is not type(b):
        return False
    if type(a) is float:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(same(x, y, rel_tol, abs_tol) for x, y in zip(a, b))
    if type(a) is dict:
        if len(a) != len(b) or any(key not in b for key in a):
            return False
        return all(same(a[key], b[key], rel_tol, abs_tol) for key in a)
    if type(a) is array.array:
        if a.typecode != b.typecode or len(a) != len(b):
            return False
        return all(same(x, y, rel_tol, abs_tol) for x, y in zip(a, b))
    if type(a) is protocol.Handle:
        return True  # two constructors that both succeeded
    if type(a) is protocol.Raised:
        return a.key() == b.key()
    return a == b  # None, bool, int, str, bytes, bytearray: exact built-in types only


def same_outcome(expected, actual, rel_tol, abs_tol):
    if expected[0] not in ("returned", "raised") or expected[0] != actual[0]:
        return False
    if not same(expected[1], actual[1], rel_tol, abs_tol):
        return False
    return same(expected[2], actual[2], rel_tol, abs_tol)


def describe_value(value):
    if type(value) is protocol.Raised:
        text = f"raised {value.type_name}({value.message!r})"
        if value.errno is not None:
            text += f" errno={value.errno} strerror={value.strerror!r}"
        return clip(text)
    if type(value) is protocol.Handle:
        return "an object"
    return clip(f"{value!r} ({type(value).__name__})")


def describe(outcome):
    kind, value, args_after = outcome
    if kind == "returned":
        text = describe_value(value)
    elif kind == "raised":
        text = describe_value(value)
    else:
        text = f"{kind}: {value}"
    if args_after is not None:
        text += clip(f"; arguments after the call: {', '.join(repr(a) for a in args_after)}")
    return clip(text)


def call_text(target, args, kwargs=None):
    parts = [repr(arg) for arg in args]
    parts += [f"{name}={value!r}" for name, value in (kwargs or {}).items()]
    return clip(f"{target}({', '.join(parts)})")


def clip(text, limit=CLIP):
    return text if len(text) <= limit else text[: limit - 1] + "…"
