"""The results channel from the pytest process to the grader.

One JSON object per line, appended and flushed as events happen, so that when the interpreter dies
the grader still knows which test was running. The file lives in a private temporary directory the
grader created; the grader never parses pytest's stdout, so printing a fake summary changes nothing.
"""

import json
import os

_stream = None


def open_channel(path):
    global _stream
    _stream = open(path, "a", encoding="utf-8", buffering=1)


def emit(record):
    """Write one record; `record["kind"]` says what it is. Every record is defined in
    wire/records.schema.json (a field without a value is left out, never null)."""
    if _stream is None:
        return
    _stream.write(json.dumps(record, default=repr) + "\n")
    _stream.flush()


def config():
    """The grader's settings for this run (the JSON file named by LESSONGRADER_CONFIG), or {}."""
    path = os.environ.get("LESSONGRADER_CONFIG")
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
