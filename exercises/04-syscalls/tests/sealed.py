"""Sealed suite for exercise 4 (`posixcall`): what counts toward the grade, checked by
lessongrader.sealed outside the learner's process (see lessongrader/sealed/suite.py).

Every worker starts in its own scratch folder holding FILES, so relative paths name the same
things on both sides; errors compare by type, message, errno, strerror and filename. getpid and
getppid are checked against /proc (the two workers are different processes)."""

from lessongrader.sealed.suite import Function, Leak, Suite, st

DATA = bytes(range(256)) * 40  # 10 240 bytes
FILES = {"data.bin": DATA, "empty": b"", "folder": None, "folder/inner.txt": b"inside\n", "big.bin": bytes(1 << 20)}

STATVFS_FIELDS = ["f_bsize", "f_frsize", "f_blocks", "f_files", "f_flag", "f_namemax"]
UNAME_FIELDS = ["sysname", "nodename", "release", "version", "machine"]

names = st.one_of(
    st.sampled_from(["data.bin", "empty", "folder", "folder/inner.txt", ".", "missing", "data.bin/below", "folder/none", ""]),
    st.text(st.characters(min_codepoint=0x61, max_codepoint=0x7A), min_size=1, max_size=12).map(lambda name: f"no-{name}"),
)
paths = st.one_of(names, names.map(lambda name: name.encode()), st.just("nul\0byte"), st.sampled_from([3, None, 1.5]))

SUITE = Suite(
    module="posixcall",
    files=FILES,
    cases=[
        Function("getpid", oracle="pid"),
        Function("getppid", oracle="ppid"),
        Function("uname", project={"attrs": UNAME_FIELDS}, name="uname fields"),
        Function("statvfs", st.tuples(paths), project={"attrs": STATVFS_FIELDS}, examples=[(".",), ("missing",), (b"data.bin/below",)]),
        Function(
            "read_at",
            st.tuples(paths, st.integers(-3, 11_000), st.one_of(st.integers(-2, 12_000), st.just(2**62))),
            examples=[("data.bin", 0, 10), ("data.bin", 10_230, 100), ("folder", 0, 1), ("missing", 0, 1), ("data.bin", -1, 1)],
        ),
        Function(
            "sleep",
            st.tuples(st.sampled_from([0.0, -0.0, 0.001, 0, -1.0, float("nan"), float("inf"), 1e300, "1", None])),
            examples=[(0.002,)],
        ),
    ],
    leaks=[Leak("read_at", inputs=lambda rng: ["big.bin", rng.randrange(16), 1 << 20])],
)
