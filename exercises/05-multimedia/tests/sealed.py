"""Sealed suite for exercise 5 (`mediakit`): what counts toward the grade, checked by
lessongrader.sealed outside the learner's process (see lessongrader/sealed/suite.py).

Buffers cross the pipe as bytes, bytearray or array('h'/'B'/'d'); the functions that write in
place are compared on the buffer after the call as well as on what they return."""

import array

from lessongrader.sealed.suite import Function, Leak, Speed, Suite, st

sizes = st.integers(0, 6)
images = st.tuples(sizes, sizes).flatmap(
    lambda wh: st.tuples(st.binary(min_size=wh[0] * wh[1] * 3, max_size=wh[0] * wh[1] * 3), st.just(wh[0]), st.just(wh[1]))
)
bad_images = st.tuples(st.binary(max_size=20), sizes, sizes)
byte_buffers = st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(bytearray), st.binary(max_size=30).map(lambda b: array.array("B", b)))
samples = st.lists(st.integers(-32768, 32767), max_size=30).map(lambda items: array.array("h", items))
other_buffers = st.one_of(st.binary(max_size=4), st.lists(st.integers(0, 3), max_size=3).map(lambda b: array.array("d", b)))
gains = st.one_of(st.floats(-4, 4, allow_nan=False), st.sampled_from([0.5, 1.5, -1.0, 2.0, 1e9, 0.0]))


def image_input(rng):
    return [rng.randbytes(320 * 240 * 3), 320, 240]


SUITE = Suite(
    module="mediakit",
    cases=[
        Function("grayscale", st.one_of(images, bad_images, st.tuples(st.binary(max_size=3), st.just(2**62), st.just(4))), examples=[(b"\xff\x00\x80", 1, 1), (b"", 0, 0)]),
        Function("adjust_brightness", st.tuples(st.binary(max_size=40).map(bytearray), st.one_of(st.integers(-300, 300), st.sampled_from([2**31 - 1, -(2**31)]))), want_args=True, examples=[(bytearray(b"\x00\x7f\xff"), 10)]),
        Function("adjust_brightness", st.tuples(st.binary(max_size=10), st.integers(-5, 5)), name="adjust_brightness on read-only bytes"),
        Function("histogram", st.tuples(byte_buffers), examples=[(b"",), (b"\x00\xff\xff",)]),
        # Buffers that are not writable int16 are refused by the given `int16_buffer`: drawn within
        # the case that needs the learner's loop, never a case of their own (the skeleton passes it).
        Function("apply_gain", st.tuples(st.one_of(samples, samples, other_buffers), gains), want_args=True, examples=[(array.array("h", [-32768, 32767, 1, -1]), -1.0), (array.array("h"), 2.0), (b"\x00\x01", 1.0)]),
    ],
    speed=Speed("grayscale", candidate="grayscale", baseline="grayscale", inputs=image_input, min_speedup=40.0),
    leaks=[
        Leak("grayscale", inputs=lambda rng: [rng.randbytes(200 * 200 * 3), 200, 200]),
        Leak("histogram", inputs=lambda rng: [rng.randbytes(200_000)]),
    ],
)
