"""The peak-memory measurement (lessongrader.memory): a call that copies its input is seen at its
full size, Rust-style allocations from the C allocator included; one that only reads it is not.
Nothing is built: ctypes allocates from malloc as a Rust `Vec` would, array/bytearray are inputs."""

import array
import ctypes
import mmap
import sys
import types

import pytest

from lessongrader import memory

MIB = 1024 * 1024
SIZE = 32 * MIB

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the peak is read from /proc")


def make_samples(size):
    return (array.array("h", bytes(size)), 2.0)


def copies_with_python(samples, gain):
    return len(bytes(samples))  # a bytes copy, freed before the call returns


def copies_with_malloc(samples, gain):
    """What `to_vec` does in Rust: malloc a buffer, copy into it, free it."""
    view = memoryview(samples).cast("B")
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    pointer = libc.malloc(view.nbytes)
    try:
        ctypes.memmove(pointer, (ctypes.c_char * view.nbytes).from_buffer(samples), view.nbytes)
    finally:
        libc.free(pointer)
    return 0


def in_place(samples, gain):
    """Zero-copy: works in the caller's memory (every 4096th sample, so that it stays quick)."""
    for index in range(0, len(samples), 2048):
        samples[index] = int(samples[index] * gain)
    return 0


def copies_a_tenth(samples, gain):
    """A tenth of the input copied into fresh pages, as glibc serves a large `Vec` (its own mmap).
    A `bytes` copy of this size would come from the heap, where memory that earlier tests freed
    can still be resident: then the copy costs no new page and the peak does not move."""
    part = memoryview(samples).cast("B")[: len(samples) // 5]
    with mmap.mmap(-1, part.nbytes) as copy:
        copy.write(part)
    return 0


@pytest.fixture
def functions(monkeypatch):
    module = types.ModuleType("memory_fakes")
    for function in (make_samples, copies_with_python, copies_with_malloc, in_place, copies_a_tenth):
        setattr(module, function.__name__, function)
    module.not_a_tuple = lambda size: bytes(size)
    monkeypatch.setitem(sys.modules, "memory_fakes", module)


def case(call, **overrides):
    return {"name": call, "call": f"memory_fakes:{call}", "setup": "memory_fakes:make_samples",
            "input_bytes": SIZE, **overrides}


@linux_only
@pytest.mark.parametrize("call", ["copies_with_python", "copies_with_malloc"])
def test_a_copy_of_the_input_is_measured_at_its_size(functions, call):
    record = memory.measure_case(case(call))
    assert record["outcome"] == "measured", record
    assert 0.95 * SIZE <= record["extra_bytes"] <= 1.1 * SIZE


@linux_only
def test_working_in_place_takes_almost_nothing(functions):
    record = memory.measure_case(case("in_place"))
    assert record["outcome"] == "measured", record
    assert record["extra_bytes"] < 0.01 * SIZE


@linux_only
def test_a_partial_copy_is_measured_in_proportion(functions):
    record = memory.measure_case(case("copies_a_tenth"))
    assert 0.08 * SIZE <= record["extra_bytes"] <= 0.15 * SIZE, record


def test_every_record_names_its_case_and_input_and_carries_the_hint(functions):
    record = memory.measure_case(case("in_place", hint="borrow it"))
    assert (record["kind"], record["case"], record["input_bytes"], record["hint"]) == (
        "memory", "in_place", SIZE, "borrow it")
    assert record["seconds"] >= 0


def test_a_function_that_cannot_be_loaded_is_an_error_that_names_it(functions):
    record = memory.measure_case(case("no_such_function"))
    assert record["outcome"] == "error"
    assert "memory_fakes:no_such_function" in record["message"]
    assert "extra_bytes" not in record


@linux_only
def test_a_setup_that_returns_no_arguments_is_an_error(functions):
    record = memory.measure_case(case("in_place", setup="memory_fakes:not_a_tuple"))
    assert record["outcome"] == "error"
    assert "tuple of arguments" in record["message"]


def test_without_a_resettable_peak_the_case_is_unmeasurable_with_the_reason(functions, monkeypatch):
    monkeypatch.setattr(memory, "_CLEAR_REFS", "/nonexistent/clear_refs")
    record = memory.measure_case(case("copies_with_python"))
    assert record["outcome"] == "unmeasurable"
    assert "/nonexistent/clear_refs is not writable" in record["message"]
    assert "extra_bytes" not in record
