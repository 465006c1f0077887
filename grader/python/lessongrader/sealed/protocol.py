"""The wire between the trusted runner and a worker: framing and tagged plain data.

A frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON holding one object
(a frame with a lone surrogate in a str is all ASCII: JSON escapes carry what UTF-8 cannot).
Values inside are tagged two-element lists so that types which JSON would merge stay distinct:

    ["none", null]  ["bool", true]  ["int", "123"]  ["float", "0x1.8p+0"]  ["str", "é"]
    ["bytes", "<base64>"]  ["list", [...]]  ["tuple", [...]]  ["dict", [[k, v], ...]]
    ["floats", "<base64 of native doubles>"], ["ints", "<base64 of native int64s>"] (a list of
    floats or of ints, so large inputs decode fast)

Arguments may also carry ["bytearray", b64], ["array", "h", b64] (buffers for exercise 5),
["namespace", [[name, value], ...]] (an object with attributes) and ["handle", id] (an object the
worker holds). Ints travel as decimal strings (no size limit but the frame's) and floats as
`float.hex` (exact, and NaN/inf survive).

`decode_answer` is the trusted side's gate: it accepts exactly this grammar, within depth and size
caps, and raises `BadFrame` for anything else. Nothing that arrives is ever executed or compared by
its own `__eq__`: what is compared are the plain Python values decode builds.
"""

import array
import base64
import json
import math
import struct

HEADER = struct.Struct(">I")
MAX_FRAME = 32 * 1024 * 1024  # a speed batch's arguments fit; an answer never needs more
MAX_DEPTH = 40
ARRAY_CODES = frozenset("bBhHiIlLqQfd")
# Exception fields a worker may report besides the type name and message.
ERROR_FIELDS = ("errno", "strerror", "filename")


class BadFrame(ValueError):
    """A frame that breaks the protocol: a failure of the call that received it, never a pass."""


class Namespace:
    """An object with attributes, decoded worker-side into types.SimpleNamespace."""

    def __init__(self, **attributes):
        self.attributes = attributes

    def __repr__(self):
        inner = ", ".join(f"{k}={v!r}" for k, v in self.attributes.items())
        return f"namespace({inner})"


class Handle:
    """An object held by the worker, passed back as an argument (e.g. the other cache of `==`)."""

    def __init__(self, ident):
        self.ident = ident

    def __repr__(self):
        return f"<handle {self.ident}>"


# --- framing -------------------------------------------------------------------------------------


def pack(message):
    text = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    try:
        body = text.encode()
    except UnicodeEncodeError:
        # A lone surrogate (a legal str, e.g. drawn by a strategy) has no UTF-8 form; JSON's
        # \uXXXX escapes carry it, and the other side's json.loads gives the same str back.
        body = json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
    if len(body) > MAX_FRAME:
        raise BadFrame(f"frame of {len(body)} bytes is over the {MAX_FRAME}-byte cap")
    return HEADER.pack(len(body)) + body


def read_frame(stream):
    """One frame from a binary stream (blocking); None at a clean end of stream."""
    header = stream.read(HEADER.size)
    if not header:
        return None
    if len(header) < HEADER.size:
        raise BadFrame("the stream ended inside a frame header")
    (size,) = HEADER.unpack(header)
    if size > MAX_FRAME:
        raise BadFrame(f"frame of {size} bytes is over the {MAX_FRAME}-byte cap")
    body = stream.read(size)
    if len(body) < size:
        raise BadFrame("the stream ended inside a frame")
    return parse_body(body)


def parse_body(body):
    try:
        message = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise BadFrame(f"not a JSON frame: {error}") from None
    if not isinstance(message, dict):
        raise BadFrame("a frame must hold a JSON object")
    return message


def _no_constant(name):
    raise BadFrame(f"JSON constant {name} is not allowed")


# --- values --------------------------------------------------------------------------------------


def encode(value, depth=0, handles=None):
    """Tag a plain value. Only exact built-in types qualify: a subclass of int or str, an object
    with a custom `__eq__`, anything else raises TypeError."""
    if depth > MAX_DEPTH:
        raise TypeError(f"nested deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if value is None:
        return ["none", None]
    if kind is bool:
        return ["bool", value]
    if kind is int:
        return ["int", str(value)]
    if kind is float:
        return ["float", value.hex()]
    if kind is str:
        return ["str", value]
    if kind is bytes:
        return ["bytes", base64.b64encode(value).decode("ascii")]
    if kind is bytearray:
        return ["bytearray", base64.b64encode(bytes(value)).decode("ascii")]
    if kind is array.array:
        return ["array", value.typecode, base64.b64encode(value.tobytes()).decode("ascii")]
    if kind is list:
        if len(value) >= 16 and all(type(item) is float for item in value):
            return ["floats", base64.b64encode(array.array("d", value).tobytes()).decode("ascii")]
        if len(value) >= 16 and all(type(item) is int and -(2**63) <= item < 2**63 for item in value):
            return ["ints", base64.b64encode(array.array("q", value).tobytes()).decode("ascii")]
        return ["list", [encode(item, depth + 1, handles) for item in value]]
    if kind is tuple:
        return ["tuple", [encode(item, depth + 1, handles) for item in value]]
    if kind is dict:
        return ["dict", [[encode(k, depth + 1, handles), encode(v, depth + 1, handles)] for k, v in value.items()]]
    if kind is Namespace:
        return ["namespace", [[name, encode(v, depth + 1, handles)] for name, v in value.attributes.items()]]
    if kind is Handle:
        return ["handle", value.ident]
    raise TypeError(f"an object of type {kind.__name__} is not plain data")


def decode(tagged, depth=0, handles=None, allow_objects=False):
    """The value a tagged list stands for. `allow_objects` admits namespaces and handles (the
    worker decoding arguments); the trusted side decoding answers leaves it off."""
    if depth > MAX_DEPTH:
        raise BadFrame(f"value nested deeper than {MAX_DEPTH} levels")
    if not isinstance(tagged, list) or len(tagged) not in (2, 3) or not isinstance(tagged[0], str):
        raise BadFrame(f"not a tagged value: {_clip(tagged)}")
    tag, payload = tagged[0], tagged[1]
    if len(tagged) == 3 and tag != "array":
        raise BadFrame(f"tag {tag!r} takes one payload")
    if tag == "none" and payload is None:
        return None
    if tag == "bool" and type(payload) is bool:
        return payload
    if tag == "int" and type(payload) is str:
        return _int(payload)
    if tag == "float" and type(payload) is str:
        try:
            return float.fromhex(payload)
        except (ValueError, OverflowError):
            raise BadFrame(f"bad float {_clip(payload)}") from None
    if tag == "str" and type(payload) is str:
        if allow_objects:  # the worker: a new str each time, as a fresh argument must be
            return payload.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
        return payload
    if tag in ("bytes", "bytearray") and type(payload) is str:
        data = _b64(payload)
        return data if tag == "bytes" else bytearray(data)
    if tag == "array" and len(tagged) == 3 and payload in ARRAY_CODES and type(tagged[2]) is str:
        result = array.array(payload)
        data = _b64(tagged[2])
        if len(data) % result.itemsize:
            raise BadFrame("array bytes are not a whole number of items")
        result.frombytes(data)
        return result
    if tag in ("floats", "ints") and type(payload) is str:
        data = _b64(payload)
        if len(data) % 8:
            raise BadFrame(f"a list of {tag}: its bytes are not a whole number of 8-byte items")
        result = array.array("d" if tag == "floats" else "q")
        result.frombytes(data)
        return result.tolist()
    if tag in ("list", "tuple") and type(payload) is list:
        items = [decode(item, depth + 1, handles, allow_objects) for item in payload]
        return items if tag == "list" else tuple(items)
    if tag == "dict" and type(payload) is list:
        result = {}
        for pair in payload:
            if type(pair) is not list or len(pair) != 2:
                raise BadFrame("a dict entry must be a [key, value] pair")
            key = decode(pair[0], depth + 1, handles, allow_objects)
            try:
                result[key] = decode(pair[1], depth + 1, handles, allow_objects)
            except TypeError:
                raise BadFrame(f"unhashable dict key {key!r}") from None
        return result
    if allow_objects and tag == "namespace" and type(payload) is list:
        import types

        attributes = {}
        for pair in payload:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise BadFrame("a namespace entry must be a [name, value] pair")
            attributes[pair[0]] = decode(pair[1], depth + 1, handles, allow_objects)
        return types.SimpleNamespace(**attributes)
    if allow_objects and tag == "handle" and type(payload) is int and handles is not None:
        if payload not in handles:
            raise BadFrame(f"no handle {payload}")
        return handles[payload]
    raise BadFrame(f"unknown or malformed tagged value {_clip(tagged)}")


def _int(text):
    if not text or len(text) > 5000 or not text.lstrip("-").isdigit():
        raise BadFrame(f"bad int {_clip(text)}")
    return int(text)


def _b64(text):
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise BadFrame("bad base64 payload") from None


def _clip(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- answers -------------------------------------------------------------------------------------


def encode_error(error):
    """An exception as plain data: its type's name, its message, and errno fields when it has them."""
    report = {"type": type(error).__name__, "message": str(error)}
    for field in ERROR_FIELDS:
        value = getattr(error, field, None)
        if isinstance(error, OSError) and type(value) in (int, str):
            report[field] = value
    return report


class Raised:
    """An exception as the trusted side knows it: plain strings and ints, compared field by field."""

    def __init__(self, type_name, message, errno=None, strerror=None, filename=None):
        self.type_name = type_name
        self.message = message
        self.errno = errno
        self.strerror = strerror
        self.filename = filename

    def key(self):
        return (self.type_name, self.message, self.errno, self.strerror, self.filename)

    def __repr__(self):
        return f"raised {self.type_name}({self.message!r})"


def decode_error(report):
    if type(report) is not dict or set(report) - {"type", "message", *ERROR_FIELDS}:
        raise BadFrame("an error report has only type, message, errno, strerror, filename")
    type_name, message = report.get("type"), report.get("message")
    if type(type_name) is not str or not type_name.isidentifier() or type(message) is not str:
        raise BadFrame("an error report needs a type name and a message")
    errno = report.get("errno")
    strerror = report.get("strerror")
    filename = report.get("filename")
    if errno is not None and type(errno) is not int:
        raise BadFrame("errno must be an int")
    if strerror is not None and type(strerror) is not str:
        raise BadFrame("strerror must be a str")
    if filename is not None and type(filename) not in (str, int):
        raise BadFrame("filename must be a str")
    return Raised(type_name, message[:2000], errno, strerror, filename)


def decode_answer(message, want_args=False):
    """A worker's answer to a call: ("returned", value, args_after) or ("raised", Raised, args_after).
    Anything else raises BadFrame."""
    if set(message) - {"returned", "raised", "args", "handle"}:
        raise BadFrame(f"unexpected fields in an answer: {sorted(message)}")
    args_after = None
    if want_args:
        if "args" not in message or type(message["args"]) is not list:
            raise BadFrame("the answer lacks the arguments' state after the call")
        args_after = [decode(item) for item in message["args"]]
    if ("returned" in message) == ("raised" in message):
        raise BadFrame("an answer holds exactly one of returned / raised")
    if "raised" in message:
        return "raised", decode_error(message["raised"]), args_after
    if "handle" in message:
        handle = message["handle"]
        if type(handle) is not int or message["returned"] is not None:
            raise BadFrame("a constructor's answer is a handle number")
        return "returned", Handle(handle), args_after
    return "returned", decode(message["returned"]), args_after


def is_nan(value):
    return type(value) is float and math.isnan(value)
