"""Public tests for exercise 4. Convention: `assert actual == expected`.

Every result is compared against what Python's own `os` module returns for the same call.
"""
import errno
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import pytest

import posixcall
from lessongrader import assert_no_leaks


# ----- Part 1: process and system information ---------------------------------------------------


def test_getpid():
    assert posixcall.getpid() == os.getpid()


def test_getppid():
    assert posixcall.getppid() == os.getppid()


def test_uname_fields_match_os_uname():
    ours = posixcall.uname()
    theirs = os.uname()
    assert (ours.sysname, ours.nodename, ours.release, ours.version, ours.machine) == tuple(theirs)


def test_uname_is_a_uname_object():
    assert type(posixcall.uname()).__name__ == "Uname"


def test_uname_repr():
    theirs = os.uname()
    expected = (
        f"Uname(sysname={theirs.sysname!r}, nodename={theirs.nodename!r}, "
        f"release={theirs.release!r}, version={theirs.version!r}, machine={theirs.machine!r})"
    )
    assert repr(posixcall.uname()) == expected


@pytest.mark.parametrize("field", ["sysname", "nodename", "release", "version", "machine"])
def test_uname_attributes_are_read_only(field):
    result = posixcall.uname()
    with pytest.raises(AttributeError):
        setattr(result, field, "changed")


# ----- Part 2: statvfs, errors and paths ---------------------------------------------------

STATVFS_FIELDS = [
    "f_bsize", "f_frsize", "f_blocks", "f_bfree", "f_bavail",
    "f_files", "f_ffree", "f_favail", "f_flag", "f_namemax",
]
# These change whenever anything on the machine writes a file (a build running next to the tests).
VOLATILE_FIELDS = {"f_bfree", "f_bavail", "f_ffree", "f_favail"}


def assert_statvfs_matches(ours, theirs):
    for field in STATVFS_FIELDS:
        actual, expected = getattr(ours, field), getattr(theirs, field)
        if field in VOLATILE_FIELDS:
            total = theirs.f_files if field in {"f_ffree", "f_favail"} else theirs.f_blocks
            assert abs(actual - expected) <= max(64, total // 100), field
        else:
            assert actual == expected, field


def test_statvfs_matches_os_statvfs(tmp_path):
    assert_statvfs_matches(posixcall.statvfs(str(tmp_path)), os.statvfs(tmp_path))


def test_statvfs_of_root_directory():
    assert_statvfs_matches(posixcall.statvfs("/"), os.statvfs("/"))


def test_statvfs_accepts_bytes_path(tmp_path):
    assert_statvfs_matches(posixcall.statvfs(os.fsencode(tmp_path)), os.statvfs(tmp_path))


def test_statvfs_accepts_pathlike(tmp_path):
    assert isinstance(tmp_path, pathlib.Path)
    assert_statvfs_matches(posixcall.statvfs(tmp_path), os.statvfs(tmp_path))


class Where:
    """The smallest os.PathLike: any object with an `__fspath__` method."""

    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return self.path


def test_statvfs_accepts_custom_pathlike(tmp_path):
    assert_statvfs_matches(posixcall.statvfs(Where(str(tmp_path))), os.statvfs(tmp_path))


def test_statvfs_available_bytes():
    result = posixcall.statvfs("/")
    assert result.available_bytes == result.f_bavail * result.f_frsize


def test_statvfs_repr_shows_the_fields():
    result = posixcall.statvfs("/")
    fields = ", ".join(f"{name}={getattr(result, name)}" for name in STATVFS_FIELDS)
    expected = f"StatVfs({fields})"
    assert repr(result) == expected


def test_statvfs_attributes_are_read_only():
    result = posixcall.statvfs("/")
    with pytest.raises(AttributeError):
        result.f_bsize = 1


def raised(call, *args):
    """Call `call(*args)`, expecting an OSError: returns (type, errno, strerror, filename)."""
    with pytest.raises(OSError) as info:
        call(*args)
    error = info.value
    return type(error), error.errno, error.strerror, error.filename


@pytest.mark.parametrize("kind", [str, os.fsencode, pathlib.Path])
def test_statvfs_missing_path_is_file_not_found(tmp_path, kind):
    missing = kind(tmp_path / "does-not-exist")
    actual = raised(posixcall.statvfs, missing)
    assert actual == raised(os.statvfs, missing)
    # Like os: the filename is what os.fspath() returned (a Path becomes its str).
    enoent = (FileNotFoundError, errno.ENOENT, os.strerror(errno.ENOENT))
    assert actual == (*enoent, os.fspath(missing))


def test_error_filename_is_the_str_passed_in(tmp_path):
    missing = str(tmp_path / "does-not-exist")
    with pytest.raises(FileNotFoundError) as info:
        posixcall.statvfs(missing)
    assert info.value.filename is missing


def test_statvfs_through_a_file_is_not_a_directory(tmp_path):
    regular = tmp_path / "regular"
    regular.write_bytes(b"x")
    below_a_file = str(regular / "child")
    actual = raised(posixcall.statvfs, below_a_file)
    assert actual == raised(os.statvfs, below_a_file)
    assert actual[0] is NotADirectoryError


def test_error_str_looks_like_os_error(tmp_path):
    missing = str(tmp_path / "nope")
    with pytest.raises(OSError) as ours:
        posixcall.statvfs(missing)
    with pytest.raises(OSError) as theirs:
        os.statvfs(missing)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("path", ["a\0b", b"a\0b", pathlib.PurePosixPath("a\0b")])
def test_embedded_nul_is_value_error(path):
    with pytest.raises(ValueError, match="embedded null byte"):
        posixcall.statvfs(path)


@pytest.mark.parametrize("bad", [42, None, 3.5, ["/"], bytearray(b"/")])
def test_statvfs_wrong_type_is_type_error(bad):
    with pytest.raises(TypeError):
        posixcall.statvfs(bad)


# ----- Part 3: read_at ---------------------------------------------------------------------------

CONTENT = bytes(range(256)) * 1000  # 256 000 bytes: more than one 64 KiB read


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(CONTENT)
    return path


def os_pread(path, offset, length):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, length, offset)
    finally:
        os.close(fd)


@pytest.mark.parametrize(
    "offset, length",
    [
        (0, 10), (5, 0), (100, 1000), (0, len(CONTENT)),
        (255_990, 100), (len(CONTENT), 10), (10**12, 5),
    ],
)
def test_read_at_matches_os_pread(data_file, offset, length):
    assert posixcall.read_at(str(data_file), offset, length) == os_pread(data_file, offset, length)


def test_read_at_whole_large_file(data_file):
    assert posixcall.read_at(data_file, 0, 10 * len(CONTENT)) == CONTENT


def test_read_at_returns_bytes(data_file):
    assert type(posixcall.read_at(data_file, 0, 4)) is bytes


def test_read_at_accepts_bytes_path(data_file):
    assert posixcall.read_at(os.fsencode(data_file), 3, 4) == CONTENT[3:7]


def test_read_at_huge_length_on_small_file(tmp_path):
    small = tmp_path / "small"
    small.write_bytes(b"tiny")
    assert posixcall.read_at(small, 0, 2**62) == b"tiny"


def test_read_at_missing_file(tmp_path):
    missing = tmp_path / "missing.bin"
    actual = raised(posixcall.read_at, missing, 0, 1)
    assert actual == (FileNotFoundError, errno.ENOENT, os.strerror(errno.ENOENT), str(missing))


def test_read_at_directory_is_a_directory_error(tmp_path):
    actual = raised(posixcall.read_at, str(tmp_path), 0, 1)
    assert actual == raised(os_pread, str(tmp_path), 0, 1)[:3] + (str(tmp_path),)
    assert actual[0] is IsADirectoryError


def test_read_at_negative_offset_is_einval(data_file):
    actual = raised(posixcall.read_at, data_file, -1, 10)
    assert actual == (OSError, errno.EINVAL, os.strerror(errno.EINVAL), str(data_file))
    assert actual[:3] == raised(os_pread, data_file, -1, 10)[:3]


def test_read_at_negative_length_is_rejected(data_file):
    with pytest.raises(OverflowError):
        posixcall.read_at(data_file, 0, -1)


def test_read_at_embedded_nul_is_value_error():
    with pytest.raises(ValueError, match="embedded null byte"):
        posixcall.read_at("data\0.bin", 0, 1)


def test_read_at_wrong_path_type_is_type_error():
    with pytest.raises(TypeError):
        posixcall.read_at(7, 0, 1)


PERMISSION_CHILD = """
import json, sys
import posixcall
try:
    posixcall.read_at(sys.argv[1], 0, 1)
except OSError as error:
    print(json.dumps([type(error).__name__, error.errno, error.strerror, error.filename]))
else:
    print(json.dumps(None))
"""


def drop_root_file_access_override():
    """Run in the child before exec: remove CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its
    capability bounding set, so the program it execs, though still root, obeys file modes."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for capability in (cap_dac_override, cap_dac_read_search):
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


@pytest.mark.no_leak_check(reason="runs a child process")
def test_read_at_unreadable_file_is_permission_error(tmp_path):
    secret = tmp_path / "secret"
    secret.write_bytes(b"classified")
    secret.chmod(0)
    expected = ["PermissionError", errno.EACCES, os.strerror(errno.EACCES), str(secret)]
    if os.geteuid() != 0:
        error = raised(posixcall.read_at, str(secret), 0, 1)
        assert [error[0].__name__, *error[1:]] == expected
        return
    # root reads any file whatever its mode bits, so provoke EACCES where it really happens: the
    # same call in a child process that has lost root's power to override file permissions.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(os.path.abspath(p) for p in sys.path if p))
    try:
        child = subprocess.run(
            [sys.executable, "-c", PERMISSION_CHILD, str(secret)],
            preexec_fn=drop_root_file_access_override, env=env,
            capture_output=True, text=True, timeout=30,
        )
    except subprocess.SubprocessError as error:
        pytest.skip(f"running as root and cannot drop CAP_DAC_OVERRIDE to provoke EACCES: {error}")
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout) == expected


# ----- the GIL is released while the kernel blocks ----------------------------------------------


def progress_during(blocking_call):
    """Run `blocking_call` while a second Python thread keeps recording timestamps.

    Returns how many timestamps fall well inside the blocking call: a thread that needs the GIL
    can only record any if the call released it."""
    stamps = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            stamps.append(time.monotonic())
            time.sleep(0.002)

    worker = threading.Thread(target=ticker)
    worker.start()
    try:
        time.sleep(0.05)  # let the ticker get going
        start = time.monotonic()
        blocking_call()
        end = time.monotonic()
    finally:
        stop.set()
        worker.join()
    return end - start, sum(start + 0.05 < stamp < end - 0.05 for stamp in stamps)


@pytest.mark.no_leak_check(reason="slow: sleeps with a second thread running")
def test_sleep_releases_the_gil():
    elapsed, ticks_meanwhile = progress_during(lambda: posixcall.sleep(0.5))
    assert elapsed >= 0.5
    # The ticker wakes every ~2 ms; with the GIL held it could not record a single timestamp.
    assert ticks_meanwhile >= 20


@pytest.mark.no_leak_check(reason="uses a FIFO, a second thread and an alarm")
def test_read_at_releases_the_gil_while_open_blocks(tmp_path):
    # Opening a FIFO for reading blocks until someone opens it for writing. Only another Python
    # thread can do that, and only if read_at released the GIL while it waits.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer_fds = []

    def writer():
        # Give the main thread time to get into read_at first. After this sleep the writer needs
        # the GIL again, which it only gets if read_at released it.
        time.sleep(0.2)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:  # succeeds once a reader is waiting in open()
                writer_fds.append(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                return
            except OSError:
                time.sleep(0.01)

    thread = threading.Thread(target=writer)
    old_handler = signal.signal(signal.SIGALRM, lambda signum, frame: None)
    signal.setitimer(signal.ITIMER_REAL, 3)  # if the GIL stays held, this interrupts open()
    try:
        thread.start()
        with pytest.raises(OSError) as info:
            posixcall.read_at(fifo, 0, 10)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        thread.join()
        for fd in writer_fds:
            os.close(fd)
    assert writer_fds, "the writer thread never ran while read_at waited in open()"
    # A FIFO has no positions: pread(2) fails with ESPIPE, which has no OSError subclass.
    error = info.value
    assert (type(error), error.errno, error.strerror, error.filename) == (
        OSError, errno.ESPIPE, os.strerror(errno.ESPIPE), str(fifo)
    )


# ----- Part 4: sleep -----------------------------------------------------------------------------


def test_sleep_zero_returns_none():
    assert posixcall.sleep(0) is None


@pytest.mark.no_leak_check(reason="slow: sleeps")
def test_sleep_sleeps_long_enough():
    start = time.monotonic()
    posixcall.sleep(0.2)
    assert time.monotonic() - start >= 0.2


@pytest.mark.parametrize("bad", [-1, -0.001, float("nan"), float("inf"), float("-inf")])
def test_sleep_bad_duration_is_value_error(bad):
    with pytest.raises(ValueError, match="seconds must be a finite number >= 0"):
        posixcall.sleep(bad)


def test_sleep_too_long_is_overflow_error():
    with pytest.raises(OverflowError, match="seconds is too large"):
        posixcall.sleep(1e300)


@pytest.mark.parametrize("bad", ["1", None, [1]])
def test_sleep_wrong_type_is_type_error(bad):
    with pytest.raises(TypeError):
        posixcall.sleep(bad)


class Alarm(Exception):
    pass


@pytest.fixture
def alarm_handler():
    """Install a SIGALRM handler for one test; yields the list of signals it saw."""
    seen = []
    previous = signal.getsignal(signal.SIGALRM)
    yield seen
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.no_leak_check(reason="uses a timer signal")
def test_sleep_ends_when_a_signal_handler_raises(alarm_handler):
    def handler(signum, frame):
        alarm_handler.append(signum)
        raise Alarm

    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    start = time.monotonic()
    with pytest.raises(Alarm):
        posixcall.sleep(5)
    # Like Ctrl-C during time.sleep: the handler's exception ends the sleep at once.
    assert time.monotonic() - start < 2
    assert alarm_handler == [signal.SIGALRM]


@pytest.mark.no_leak_check(reason="slow: sleeps through a timer signal")
def test_sleep_resumes_after_a_handler_returns(alarm_handler):
    signal.signal(signal.SIGALRM, lambda signum, frame: alarm_handler.append(signum))
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    start = time.monotonic()
    posixcall.sleep(0.3)
    elapsed = time.monotonic() - start
    # The handler ran during the sleep, and the sleep still lasted its full length (PEP 475).
    assert alarm_handler == [signal.SIGALRM]
    assert 0.3 <= elapsed < 2


# ----- no leaks, including on error paths -----------------------------------------------------


def test_no_leaks_uname():
    assert_no_leaks(posixcall.uname)
    assert_no_leaks(lambda: repr(posixcall.uname()))


def test_no_leaks_statvfs(tmp_path):
    assert_no_leaks(posixcall.statvfs, str(tmp_path))
    assert_no_leaks(posixcall.statvfs, tmp_path)


def test_no_leaks_statvfs_errors(tmp_path):
    assert_no_leaks(posixcall.statvfs, str(tmp_path / "missing"), raises=FileNotFoundError)
    assert_no_leaks(posixcall.statvfs, tmp_path / "missing", raises=FileNotFoundError)
    assert_no_leaks(posixcall.statvfs, b"nul\0byte", raises=ValueError)
    assert_no_leaks(posixcall.statvfs, 42, raises=TypeError)


def test_no_leaks_read_at(data_file):
    assert_no_leaks(posixcall.read_at, data_file, 10, 100)
    assert_no_leaks(posixcall.read_at, data_file, -1, 100, raises=OSError)
    assert_no_leaks(posixcall.read_at, data_file.parent / "missing", 0, 1, raises=FileNotFoundError)


def test_no_leaks_read_at_closes_its_file(data_file):
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(200):
        posixcall.read_at(data_file, 0, 10)
        with pytest.raises(OSError):
            posixcall.read_at(data_file, -1, 10)
    assert len(os.listdir("/proc/self/fd")) == before


def test_no_leaks_sleep():
    assert_no_leaks(posixcall.sleep, 0.0)
    assert_no_leaks(posixcall.sleep, -1.0, raises=ValueError)
