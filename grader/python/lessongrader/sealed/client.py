"""The trusted side's handle on one worker process: spawn it (behind the launcher), send a request,
wait for the answer with a deadline, and read the kernel's accounts of it.

Every way a call can go wrong becomes an exception the runner turns into a failed call:
`WorkerGone` (the process ended: its exit status and the tail of its stderr), `NoAnswer` (the
deadline passed; the worker is killed), `protocol.BadFrame` (an answer outside the grammar).
"""

import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import procfs, protocol

GRADER_PYTHON = str(Path(__file__).resolve().parents[2])
# `-I` ignores PYTHON* variables, the user's site-packages and the current folder, so the worker
# finds lessongrader only through the path given here.
BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from lessongrader.sealed.worker import main; main(sys.argv[2:])"
)
STDERR_TAIL = 2000
# How long a launcher has to clean up after SIGTERM before it is killed.
TERM_GRACE = 2


class WorkerGone(RuntimeError):
    def __init__(self, side, returncode, stderr_tail):
        self.side = side
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        self.signal = _signal_of(returncode)
        how = f"signal {self.signal}" if self.signal else f"exit status {returncode}"
        super().__init__(f"the {side} worker died ({how})")


class NoAnswer(RuntimeError):
    pass


def _signal_of(returncode):
    if returncode is None:
        return None
    if returncode < 0:
        return -returncode
    if 128 < returncode < 128 + 65:  # a launcher that reports its child's signal as a shell does
        return returncode - 128
    return None


class WorkerProcess:
    def __init__(self, side, launcher, scratch=None, module=None, module_dir=None, timeout=10.0):
        self.side = side
        self.timeout = timeout
        self.scratch = scratch
        self.stderr = tempfile.TemporaryFile()
        argv = [*launcher, sys.executable, "-I", "-c", BOOT, GRADER_PYTHON]
        if scratch:
            argv += ["--scratch", scratch]
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            start_new_session=True,
            cwd=scratch or None,
        )
        self.fd = self.process.stdout.fileno()
        self.pid = None
        self.gone = None
        # The worker's host pid is found before the module is loaded, while it is only our code.
        self.request({"op": "ping"}, timeout=30.0)
        self.pid = self._find_pid()
        if module is not None:
            answer = self.request({"op": "load", "module": module, "path": module_dir}, timeout=30.0)
            if answer.get("ok") is not True:
                error = protocol.decode_error(answer.get("raised"))
                raise ImportError(f"the {side} module {module} did not import: {error.type_name}: {error.message}")

    def _find_pid(self):
        for _ in range(200):
            pid = procfs.find_worker(self.process.pid)
            if pid is not None:
                return pid
            time.sleep(0.01)
        raise NoAnswer(f"the {self.side} worker's process was not found under pid {self.process.pid}")

    # --- requests -------------------------------------------------------------------------------

    def request(self, message, timeout=None):
        self.send(message)
        return self.receive(timeout)

    def send(self, message):
        """Send without waiting, so two workers can work on the same call at once."""
        self.send_frame(protocol.pack(message))

    def send_frame(self, frame):
        """Send a message packed once for several workers (a large input)."""
        if self.gone is not None:
            raise self.gone
        try:
            self.process.stdin.write(frame)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            self._died()

    def receive(self, timeout=None):
        if self.gone is not None:
            raise self.gone
        return self._receive(time.monotonic() + (timeout or self.timeout))

    def _receive(self, deadline):
        header = self._read_exactly(protocol.HEADER.size, deadline)
        (size,) = protocol.HEADER.unpack(header)
        if size > protocol.MAX_FRAME:
            self.kill()
            raise protocol.BadFrame(f"an answer of {size} bytes is over the {protocol.MAX_FRAME}-byte cap")
        return protocol.parse_body(self._read_exactly(size, deadline))

    def _read_exactly(self, size, deadline):
        chunks, missing = [], size
        while missing:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise NoAnswer(f"no answer from the {self.side} worker in time")
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.fd, min(missing, 1 << 20))
            if not chunk:
                self._died()
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _died(self):
        try:
            returncode = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            returncode = self.process.returncode
        self.gone = WorkerGone(self.side, returncode, self.stderr_tail())
        raise self.gone

    def stderr_tail(self):
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - STDERR_TAIL))
            return self.stderr.read().decode(errors="replace")
        except OSError:
            return ""

    # --- the kernel's view ----------------------------------------------------------------------

    def cpu_ns(self):
        return procfs.tree_cpu_ns(self.pid)

    def rss(self):
        return procfs.rss_bytes(self.pid)

    def helpers(self):
        return procfs.descendants(self.pid)

    # --- ending ---------------------------------------------------------------------------------

    def kill(self):
        self._end_group()
        if self.gone is None:
            self.gone = WorkerGone(self.side, self.process.returncode, self.stderr_tail())

    def _end_group(self):
        """End the launcher, the worker and anything they started. SIGTERM first, while the
        launcher is alive: it kills its sandboxed run and removes the run's folder, which a
        SIGKILL would leave behind. Then SIGKILL, for whatever ignored it."""
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=TERM_GRACE)
            except subprocess.TimeoutExpired:
                pass
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def _signal_group(self, number):
        try:
            os.killpg(self.process.pid, number)
        except (ProcessLookupError, PermissionError):
            pass

    def close(self):
        if self.process.poll() is None and self.gone is None:
            try:
                self.process.stdin.write(protocol.pack({"op": "bye"}))
                self.process.stdin.flush()
                self.process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._end_group()  # helpers the worker left behind, too
        self.stderr.close()
