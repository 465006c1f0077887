"""Sealed grading: what counts toward a grade, decided by a process that never loads the submission.

The in-process pytest run (lessongrader.plugin) gives rich feedback, but the learner's native code
shares its process and can rewrite anything in it: pytest, the plugin, the results writer. The
sealed checks are decided elsewhere. `python -m lessongrader.sealed` (runner.py) is the trusted
runner: it loads the exercise's suite (`exercises/NN-slug/tests/sealed.py`, course code) and starts
worker processes (worker.py) behind the launcher the grader gives it (the sandbox). A worker
imports one module — the reference, the submission, or the pure-Python baseline — and serves calls
over a pipe in a strict format (protocol.py); the runner compares the answers itself
(compare.py) and reads the workers' CPU time and memory from /proc (procfs.py). It writes one
JSON file (result.schema.json): three parts, correctness, leaks and speed, each passed / failed /
skipped / error with the failing calls, plus the workers that crashed.

What it guarantees:
- Nothing the submission does in its own process changes a verdict: patching pytest, the plugin
  or the worker code, printing, exiting early. Its only channel out is answers to calls the
  runner chose, in plain data (None, bool, int, float, str, bytes, list, tuple, dict of those;
  exceptions as type name, message, errno/strerror/filename), validated against a grammar with
  size and depth caps and a deadline per call. An object with an always-true `__eq__` cannot
  cross; a malformed or oversize frame, a hang or a crash fails that call, never passes it.
- Correctness is differential: the same calls go to the reference and to the submission; the
  arguments are drawn by hypothesis from a seed that is secret per grading run (the same seed
  draws the same arguments), after the instructor's examples and scenarios. Answers precomputed
  for the public tests are useless on fresh arguments, and a failure is shrunk to a small call
  shown with both answers.
- Speed is the CPU time the kernel charged to the submission's worker (and to any helper
  process it started, which also fails the part) for a batch of calls, against the baseline's
  worker on the same staged arguments; no number the worker reports is used, and speed counts
  only when the batch's answer equals the baseline's. The first call on the staged arguments is
  the checked one, and it may not cost much more than the timed calls that follow (at most 20
  of them plus one call that would just pass, plus 1 ms): a submission that remembers an answer between
  calls, by the arguments' identity or content, does its work only once and fails.
- Leaks are RSS growth of the worker over many calls on fresh large arguments, against the
  reference worker doing the same; an over-release shows as the worker's death (its signal and
  the tail of its stderr are reported), and a call that raises where the reference's does not
  earns no leak points.
- A submission that crashes on one case still gets the other cases tried (its worker restarts).

What it does not guarantee:
- Isolation is the launcher's job: without a sandbox (launcher `[]`) the submission runs as the
  grading user, can read the course (the reference solution, this suite, the secret seed on the
  command line), and can start processes that outlive the run.
- It checks what the suite asks. Behaviour no case exercises (a thread-safety bug, a GIL held
  too long, a rare input the strategies never draw, anything that depends on state across calls
  outside a scenario) is for the in-process tests and the instructor, not proven here.
- Leak detection sees memory, not reference counts: a leak smaller than the suite's slack over
  its calls (a few bytes per call) passes, and so does a leak the reference shares.
- Speed is measured on the grading machine, once per run, with a median of a few pairs: on a
  loaded machine a submission near the threshold may land on either side.
- The worker is the submission's process, so its code can rewrite the worker's own request
  handling: work done while the speed input is being staged (decoding it, untimed) is not
  charged. A submission that does its work there and remembers the answer passes the speed part;
  what it takes is reading this module, not a setting.
- Float answers are compared within the suite's tolerance; exception messages exactly.
"""
