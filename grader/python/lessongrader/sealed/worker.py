"""The sandboxed side of sealed grading: loads one module and serves calls over stdin/stdout.

Started by the trusted runner (`client.py`) as `python -I -c <boot> GRADER_PYTHON worker
--scratch DIR`. Before anything else it moves the protocol off file descriptors 0 and 1 (stdout
becomes stderr, stdin /dev/null), so a module that prints cannot break a frame by accident. It is
the submission's process: nothing here is trusted, and the runner checks every answer it sends.

Requests (one frame each) and answers (`{"op": "ping"}` → `{"ok": true}` first):
- `{"op": "load", "module", "path"}` → `{"ok": true}` or `{"raised": error}`
- `{"op": "call", "target", "handle"?, "args", "kwargs", "new_handle"?, "project"?, "want_args"?,
  "get"?, "staged"?}` (`get`: read the attribute, do not call it; with a handle and an empty
  target, the held object itself; `staged`: call with the staged arguments instead of `args` and
  `kwargs`)
  → `{"returned": value}` / `{"handle": n, "returned": null}` / `{"raised": error}`, plus `"args"`
  (the arguments after the call) when asked
- `{"op": "drop", "handle"}` → `{"ok": true}`
- `{"op": "files", "files": {relpath: base64 | null}}` → `{"ok": true}` (a scratch tree; null: a folder)
- `{"op": "stage", "args", "kwargs"}` → `{"ok": true}`: the arguments of later unfresh batches
- `{"op": "batch", "target", "handle"?, "args"?, "kwargs"?, "repeats", "fresh", "driver"?}` →
  `{"done": n, "raised": count}`; `fresh` decodes the arguments anew for every call (leak hunts),
  otherwise the staged arguments are used (speed: only the calls are timed, not decoding);
  `driver` is course code `def run(module, *args)` to call instead of a module attribute
- `{"op": "bye"}` → exit
"""

import base64
import os
import sys

from . import protocol


class Worker:
    def __init__(self, inbox, outbox):
        self.inbox = inbox
        self.outbox = outbox
        self.module = None
        self.handles = {}
        self.next_handle = 1
        self.staged = ([], {})

    def serve(self):
        while True:
            try:
                request = protocol.read_frame(self.inbox)
            except protocol.BadFrame as error:
                self.send({"raised": {"type": "BadFrame", "message": str(error)}})
                return
            if request is None or request.get("op") == "bye":
                return
            self.send(self.answer(request))

    def send(self, message):
        try:
            frame = protocol.pack(message)
        except (TypeError, ValueError, protocol.BadFrame) as error:
            frame = protocol.pack({"raised": {"type": "WorkerError", "message": f"cannot send the answer: {error}"}})
        self.outbox.write(frame)
        self.outbox.flush()

    def answer(self, request):
        op = request.get("op")
        try:
            if op == "ping":
                return {"ok": True}
            if op == "load":
                return self.load(request["module"], request["path"])
            if op == "call":
                return self.call(request)
            if op == "drop":
                self.handles.pop(request["handle"], None)
                return {"ok": True}
            if op == "files":
                return self.files(request["files"])
            if op == "stage":
                self.staged = self.decode_args(request)
                return {"ok": True}
            if op == "batch":
                return self.batch(request)
        except protocol.BadFrame as error:
            return {"raised": {"type": "BadFrame", "message": str(error)}}
        return {"raised": {"type": "BadFrame", "message": f"unknown op {op!r}"}}

    def load(self, name, path):
        import importlib

        sys.path.insert(0, path)
        try:
            self.module = importlib.import_module(name)
        except BaseException as error:  # noqa: BLE001 — the module's own failure, reported
            return {"raised": protocol.encode_error(error)}
        return {"ok": True}

    def resolve(self, request):
        if request.get("driver") is not None:
            namespace = {}
            exec(compile(request["driver"], "<sealed driver>", "exec"), namespace)  # course code
            run, module = namespace["run"], self.module
            return lambda *args, **kwargs: run(module, *args, **kwargs)
        owner = self.module if request.get("handle") is None else self.handles[request["handle"]]
        target = owner
        for part in filter(None, request["target"].split(".")):  # "": the handle itself
            target = getattr(target, part)
        return target

    def decode_args(self, request):
        args = [protocol.decode(item, handles=self.handles, allow_objects=True) for item in request.get("args", [])]
        kwargs = {
            name: protocol.decode(item, handles=self.handles, allow_objects=True)
            for name, item in request.get("kwargs", {}).items()
        }
        return args, kwargs

    def call(self, request):
        args, kwargs = self.staged if request.get("staged") else self.decode_args(request)
        answer = {}
        try:
            function = self.resolve(request)
            result = function if request.get("get") else function(*args, **kwargs)
            if request.get("new_handle"):
                ident = self.next_handle
                self.next_handle += 1
                self.handles[ident] = result
                answer.update(returned=None, handle=ident)
            else:
                answer["returned"] = protocol.encode(project(result, request.get("project")))
        except BaseException as error:  # noqa: BLE001 — the call's behaviour (a Rust panic, even
            # SystemExit), reported as data
            answer = {"raised": protocol.encode_error(error)}
        if request.get("want_args"):
            try:
                answer["args"] = [protocol.encode(arg) for arg in args]
            except TypeError as error:
                return {"raised": {"type": "WorkerError", "message": str(error)}}
        return answer

    def files(self, files):
        for relative, content in sorted(files.items()):
            if os.path.isabs(relative) or ".." in relative.split("/"):
                raise protocol.BadFrame(f"scratch paths stay inside the scratch folder: {relative!r}")
            if content is None:
                os.makedirs(relative, exist_ok=True)
            else:
                folder = os.path.dirname(relative)
                if folder:
                    os.makedirs(folder, exist_ok=True)
                with open(relative, "wb") as file:
                    file.write(base64.b64decode(content))
        return {"ok": True}

    def batch(self, request):
        function = self.resolve(request)
        repeats = request["repeats"]
        raised = 0
        if request.get("fresh"):
            for _ in range(repeats):
                args, kwargs = self.decode_args(request)
                try:
                    function(*args, **kwargs)
                except BaseException:  # noqa: BLE001 — counted (PanicException is a BaseException)
                    raised += 1
                del args, kwargs
        else:
            args, kwargs = self.staged
            for _ in range(repeats):
                try:
                    function(*args, **kwargs)
                except BaseException:  # noqa: BLE001 — counted (PanicException is a BaseException)
                    raised += 1
        return {"done": repeats, "raised": raised}


def project(result, how):
    """Plain data from a result that is an object: its attributes, repr, or items."""
    if how is None:
        return result
    if how == "repr":
        return repr(result)
    if how == "list":
        return list(result)
    if isinstance(how, dict) and "attrs" in how:
        return {name: getattr(result, name) for name in how["attrs"]}
    raise protocol.BadFrame(f"unknown projection {how!r}")


def main(argv):
    scratch = None
    if len(argv) >= 2 and argv[0] == "--scratch":
        scratch = argv[1]
    # The protocol gets private copies of fds 0 and 1; the module's prints go to stderr.
    inbox = os.fdopen(os.dup(0), "rb", buffering=0)
    outbox = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    if scratch:
        os.chdir(scratch)
    inbox = _Reader(inbox)
    Worker(inbox, outbox).serve()


class _Reader:
    """`read(n)` that returns n bytes unless the stream ends (raw fds may return fewer)."""

    def __init__(self, raw):
        self.raw = raw

    def read(self, size):
        chunks = []
        while size > 0:
            chunk = self.raw.read(size)
            if not chunk:
                break
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)


if __name__ == "__main__":
    main(sys.argv[1:])
