"""The typed signatures of a pure-Python module, read with `ast` (the module is never imported).

`cargo xtask new NAME --from module.py` runs `python -m lessongrader.signatures module.py` and
turns the JSON it prints into a PyO3 crate. What is read: every public top-level function and every
public class (its `__init__` and public methods), with docstrings, parameters, literal defaults and
type hints. A hint becomes a small tree (`{"kind": "list", "args": [{"kind": "float"}]}`); anything
outside the supported table becomes `{"kind": "any", "text": ...}`.

What cannot be mapped is reported as a *problem* naming the function and line and saying what is
generated instead (e.g. an untyped parameter becomes `&Bound<PyAny>` with a TODO). A module that
does not parse is an error: `{"error": {"line": …, "message": …}}`, and nothing is generated.
"""

import ast
import json
import sys

SCALARS = {"int", "float", "str", "bytes", "bool"}
CONTAINERS = {"list": 1, "List": 1, "dict": 2, "Dict": 2, "tuple": None, "Tuple": None}


class Reader:
    def __init__(self):
        self.problems = []

    def problem(self, where, line, message, generated):
        self.problems.append({"function": where, "line": line, "message": message, "generated": generated})

    # ------------------------------------------------------------------ type hints

    def hint(self, node, where, line, what):
        """`node` (an annotation) as a type tree; unsupported hints are reported and become `any`."""
        tree = self._hint(node)
        if tree is None:
            text = ast.unparse(node)
            self.problem(
                where,
                line,
                f"{what} has the hint `{text}`, which the builder does not map",
                "`&Bound<PyAny>` (a `Py<PyAny>` when returned) with a TODO, and a differential test "
                "that needs a strategy for it",
            )
            return {"kind": "any", "text": text}
        return tree

    def _hint(self, node):
        if isinstance(node, ast.Constant) and node.value is None:
            return {"kind": "none"}
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:  # a string annotation ("list[int]")
                return self._hint(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return None
        if isinstance(node, ast.Name):
            if node.id in SCALARS:
                return {"kind": node.id}
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left, right = self._hint(node.left), self._hint(node.right)
            if left is None or right is None:
                return None
            if right["kind"] == "none" and left["kind"] not in ("none", "optional"):
                return {"kind": "optional", "args": [left]}
            if left["kind"] == "none" and right["kind"] not in ("none", "optional"):
                return {"kind": "optional", "args": [right]}
            return None  # a union of two real types has no single Rust type
        if isinstance(node, ast.Subscript):
            base = node.value
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if name == "Optional" and len(items) == 1:
                inner = self._hint(items[0])
                return None if inner is None else {"kind": "optional", "args": [inner]}
            if name not in CONTAINERS:
                return None
            if name in ("tuple", "Tuple") and any(isinstance(i, ast.Constant) and i.value is Ellipsis for i in items):
                return None  # tuple[int, ...] has no fixed Rust tuple
            args = [self._hint(item) for item in items]
            if any(arg is None for arg in args):
                return None
            expected = CONTAINERS[name]
            if expected is not None and len(args) != expected:
                return None
            kind = name.lower()
            if kind == "dict" and args[0]["kind"] not in ("int", "str", "bool", "bytes"):
                return None  # a dict key must hash in Rust the way it does in Python
            return {"kind": kind, "args": args}
        return None

    # ------------------------------------------------------------------ functions

    def function(self, node, owner=None):
        where = f"{owner}.{node.name}" if owner else node.name
        line = node.lineno
        arguments = node.args
        params = []
        positional = arguments.posonlyargs + arguments.args
        if owner is not None and positional:
            positional = positional[1:]  # self
        defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
        keyword = list(zip(arguments.kwonlyargs, arguments.kw_defaults))
        for arg, default in list(zip(positional, defaults)) + keyword:
            params.append(self.parameter(arg, default, where, line))
        for star, label in ((arguments.vararg, "*"), (arguments.kwarg, "**")):
            if star is not None:
                self.problem(
                    where,
                    line,
                    f"`{label}{star.arg}` takes any number of arguments, which the builder does not map",
                    "the function without it, and a TODO at its place",
                )
        for decorator in node.decorator_list:
            self.problem(
                where,
                line,
                f"the decorator `@{ast.unparse(decorator)}` is not mapped",
                "a plain function (method) without it",
            )
        if node.returns is None:
            self.problem(where, line, "the return type has no hint", "`Py<PyAny>` with a TODO")
            returns = {"kind": "any", "text": ""}
        else:
            returns = self.hint(node.returns, where, line, "the return type")
        return {
            "name": node.name,
            "line": line,
            "doc": ast.get_docstring(node) or "",
            "params": params,
            "returns": returns,
            "star_args": arguments.vararg is not None or arguments.kwarg is not None,
        }

    def parameter(self, arg, default, where, line):
        line = getattr(arg, "lineno", line)
        if arg.annotation is None:
            self.problem(
                where,
                line,
                f"parameter `{arg.arg}` has no type hint",
                f"`{arg.arg}: &Bound<PyAny>` with a TODO, and a differential test that needs a strategy for it",
            )
            hint = {"kind": "any", "text": ""}
        else:
            hint = self.hint(arg.annotation, where, line, f"parameter `{arg.arg}`")
        literal = None
        if default is not None:
            try:
                value = ast.literal_eval(default)
            except ValueError:
                value = ...
            if value is ... or not isinstance(value, (int, float, str, bool, type(None))) or isinstance(value, bytes):
                self.problem(
                    where,
                    line,
                    f"parameter `{arg.arg}` defaults to `{ast.unparse(default)}`, which is not a literal",
                    f"`{arg.arg}` as a required parameter, with a TODO",
                )
            else:
                literal = {"value": value, "python": repr(value)}
        return {"name": arg.arg, "type": hint, "default": literal}

    def klass(self, node):
        init = None
        methods = []
        for item in node.body:
            if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if item.name == "__init__":
                init = self.function(item, owner=node.name)
                init["returns"] = {"kind": "none"}
            elif not item.name.startswith("_"):
                methods.append(self.function(item, owner=node.name))
        if init is None:
            init = {"name": "__init__", "line": node.lineno, "doc": "", "params": [], "returns": {"kind": "none"}, "star_args": False}
        return {"name": node.name, "line": node.lineno, "doc": ast.get_docstring(node) or "", "init": init, "methods": methods}


def read(source, filename="<module>"):
    """The module's signatures as a JSON-ready dict (or `{"error": …}` when it does not parse)."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as error:
        return {"error": {"line": error.lineno or 0, "message": error.msg}}
    reader = Reader()
    functions, classes = [], []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            if isinstance(node, ast.AsyncFunctionDef):
                reader.problem(node.name, node.lineno, "an `async def` cannot be a #[pyfunction] here", "a plain function")
            functions.append(reader.function(node))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            classes.append(reader.klass(node))
    if not functions and not classes:
        return {"error": {"line": 1, "message": "the module has no public function or class to build"}}
    return {
        "doc": ast.get_docstring(tree) or "",
        "functions": functions,
        "classes": classes,
        "problems": reader.problems,
    }


def main(argv):
    if len(argv) != 1:
        print("usage: python -m lessongrader.signatures MODULE.py", file=sys.stderr)
        return 2
    with open(argv[0], "rb") as file:
        source = file.read()
    print(json.dumps(read(source, argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
