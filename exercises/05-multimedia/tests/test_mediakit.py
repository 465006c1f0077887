"""Public tests for exercise 5. Convention: `assert actual == expected`.

`baseline.py` beside this file is the pure-Python reference every result is compared with.
"""
import os
import random
import struct
import subprocess
import sys
import wave
import zlib
from array import array
from pathlib import Path

import pytest

import baseline
import mediakit
from lessongrader import assert_no_leaks

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


# ----- Part 1: grayscale -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pixel, gray",
    [
        ((0, 0, 0), 0),
        ((255, 255, 255), 255),  # 77*255 + 150*255 + 29*255 + 128 = 65 408: needs more than a u8
        ((255, 0, 0), 77),
        ((0, 255, 0), 149),
        ((0, 0, 255), 29),
        ((10, 20, 30), 18),
    ],
)
def test_grayscale_known_pixels(pixel, gray):
    assert mediakit.grayscale(bytes(pixel), 1, 1) == bytes([gray])


@pytest.mark.parametrize("width, height", [(1, 1), (7, 3), (64, 48), (1, 500)])
def test_grayscale_matches_baseline(width, height):
    rgb = baseline.make_rgb_image(width, height, seed=width * 1000 + height)
    assert mediakit.grayscale(rgb, width, height) == baseline.grayscale(rgb, width, height)


def test_grayscale_returns_bytes():
    result = mediakit.grayscale(bytes(12), 2, 2)
    assert type(result) is bytes
    assert len(result) == 4


def test_grayscale_empty_image():
    assert mediakit.grayscale(b"", 0, 0) == b""
    assert mediakit.grayscale(b"", 0, 10) == b""


RGB = baseline.make_rgb_image(16, 8)
GRAY = baseline.grayscale(RGB, 16, 8)


@pytest.mark.parametrize(
    "make",
    [
        bytes,
        bytearray,
        memoryview,
        lambda data: array("B", data),
        lambda data: memoryview(bytearray(data)).toreadonly(),  # reading needs no write access
        lambda data: memoryview(data).cast("B", shape=[8, 16 * 3]),  # 2-D, still contiguous
        lambda data: memoryview(b"xx" + data + b"yy")[2:-2],  # a slice: no copy, still contiguous
    ],
    ids=["bytes", "bytearray", "memoryview", "array", "readonly-view", "2d-view", "sliced-view"],
)
def test_grayscale_accepts_any_byte_buffer(make):
    assert mediakit.grayscale(make(RGB), 16, 8) == GRAY


@pytest.mark.parametrize("size", [0, 11, 13, 16 * 8 * 3 - 1, 16 * 8 * 3 + 1])
def test_grayscale_wrong_size_is_value_error(size):
    expected = "rgb buffer has {} bytes, expected width * height * 3 = 12".format(size)
    with pytest.raises(ValueError) as info:
        mediakit.grayscale(bytes(size), 2, 2)
    assert str(info.value) == expected


def test_grayscale_size_overflow_is_value_error():
    # 2**62 * 4 * 3 wraps around to 0 in 64-bit arithmetic: an empty buffer must not pass for it.
    with pytest.raises(ValueError) as info:
        mediakit.grayscale(b"", 2**62, 4)
    assert str(info.value) == "image of 4611686018427387904x4 pixels is too large"
    with pytest.raises(ValueError, match="too large"):
        mediakit.grayscale(b"", 2**63, 2)


def test_grayscale_negative_size_is_overflow_error():
    with pytest.raises(OverflowError):
        mediakit.grayscale(b"", -1, 1)


def test_grayscale_non_contiguous_view_is_buffer_error():
    every_other = memoryview(bytes(24))[::2]  # 12 bytes, but not next to each other
    with pytest.raises(BufferError, match="C-contiguous"):
        mediakit.grayscale(every_other, 2, 2)


@pytest.mark.parametrize(
    "wrong", [array("h", [0] * 12), array("b", [0] * 12), memoryview(bytes(12)).cast("b")]
)
def test_grayscale_wrong_element_type_is_buffer_error(wrong):
    with pytest.raises(BufferError, match="not compatible"):
        mediakit.grayscale(wrong, 2, 2)


@pytest.mark.parametrize("wrong", [[0] * 12, "abcdefghijkl", None, 12])
def test_grayscale_non_buffer_is_type_error(wrong):
    with pytest.raises(TypeError):
        mediakit.grayscale(wrong, 2, 2)


# ----- Part 2: adjust_brightness -----------------------------------------------------------------

PIXELS = bytes(range(256))


@pytest.mark.parametrize("delta", [0, 1, 17, -1, -17, 200, -200, 255, -255, 1000, -1000])
def test_adjust_brightness_matches_baseline(delta):
    actual = bytearray(PIXELS)
    expected = bytearray(PIXELS)
    baseline.adjust_brightness(expected, delta)
    assert mediakit.adjust_brightness(actual, delta) is None
    assert actual == expected


def test_adjust_brightness_saturates():
    pixels = bytearray([0, 5, 128, 250, 255])
    mediakit.adjust_brightness(pixels, 10)
    assert pixels == bytearray([10, 15, 138, 255, 255])
    mediakit.adjust_brightness(pixels, -20)
    assert pixels == bytearray([0, 0, 118, 235, 235])


@pytest.mark.parametrize("delta, expected", [(2**31 - 1, 255), (-(2**31), 0), (2**31 - 256, 255)])
def test_adjust_brightness_extreme_delta_does_not_wrap(delta, expected):
    pixels = bytearray(PIXELS)
    mediakit.adjust_brightness(pixels, delta)
    assert pixels == bytearray([expected] * 256)


def test_adjust_brightness_delta_beyond_32_bits_is_overflow_error():
    with pytest.raises(OverflowError):
        mediakit.adjust_brightness(bytearray(4), 2**31)


@pytest.mark.parametrize(
    "make, read_back",
    [
        (lambda data: array("B", data), bytes),
        (lambda data: memoryview(bytearray(data)), bytes),
        (
            lambda data: memoryview(bytearray(data)).cast("B", shape=[16, 16]),
            lambda view: view.tobytes(),
        ),
    ],
    ids=["array", "memoryview", "2d-view"],
)
def test_adjust_brightness_writes_through_other_buffers(make, read_back):
    target = make(PIXELS)
    expected = bytearray(PIXELS)
    baseline.adjust_brightness(expected, 30)
    mediakit.adjust_brightness(target, 30)
    assert read_back(target) == bytes(expected)


def test_adjust_brightness_changes_only_the_slice_it_is_given():
    pixels = bytearray([100] * 10)
    mediakit.adjust_brightness(memoryview(pixels)[3:6], 50)
    assert pixels == bytearray([100, 100, 100, 150, 150, 150, 100, 100, 100, 100])


def test_adjust_brightness_empty_buffer():
    pixels = bytearray()
    mediakit.adjust_brightness(pixels, 10)
    assert pixels == bytearray()


READ_ONLY_MESSAGE = "buffer is read-only: pass a bytearray, an array.array or a writable memoryview"


@pytest.mark.parametrize(
    "make",
    [
        bytes,
        lambda data: memoryview(bytearray(data)).toreadonly(),
        lambda data: memoryview(bytes(data)),
    ],
    ids=["bytes", "readonly-view", "view-of-bytes"],
)
def test_adjust_brightness_read_only_is_buffer_error(make):
    target = make(b"\x01\x02\x03")
    with pytest.raises(BufferError) as info:
        mediakit.adjust_brightness(target, 10)
    assert str(info.value) == READ_ONLY_MESSAGE
    assert bytes(target) == b"\x01\x02\x03"


def test_adjust_brightness_non_contiguous_is_buffer_error():
    pixels = bytearray(10)
    with pytest.raises(BufferError, match="C-contiguous"):
        mediakit.adjust_brightness(memoryview(pixels)[::2], 10)
    assert pixels == bytearray(10)


def test_buffers_are_released_after_success_and_errors():
    # A bytearray or array cannot be resized while someone holds its buffer: every call must
    # release the buffer it took, on the error paths too.
    pixels = bytearray(12)
    mediakit.grayscale(pixels, 2, 2)
    mediakit.adjust_brightness(pixels, 1)
    mediakit.histogram(pixels)
    with pytest.raises(ValueError):
        mediakit.grayscale(pixels, 3, 3)
    pixels.append(0)  # BufferError here if an export was never released
    samples = array("h", [1, 2])
    mediakit.apply_gain(samples, 2.0)
    with pytest.raises(ValueError):
        mediakit.apply_gain(samples, float("nan"))
    samples.append(3)
    assert (len(pixels), len(samples)) == (13, 3)


# ----- Part 3: histogram -------------------------------------------------------------------------


def test_histogram_matches_baseline():
    data = baseline.make_rgb_image(100, 100)
    assert mediakit.histogram(data) == baseline.histogram(data)


def test_histogram_is_a_list_of_256_ints():
    counts = mediakit.histogram(b"\x00\x01\x01")
    assert type(counts) is list
    assert counts == [1, 2] + [0] * 254


def test_histogram_of_every_value():
    assert mediakit.histogram(PIXELS * 3) == [3] * 256


def test_histogram_empty():
    assert mediakit.histogram(b"") == [0] * 256


def test_histogram_counts_beyond_16_bits():
    counts = mediakit.histogram(b"\xff" * 70_000)
    assert counts[255] == 70_000
    assert sum(counts) == 70_000


@pytest.mark.parametrize(
    "make",
    [
        bytearray,
        memoryview,
        lambda data: array("B", data),
        lambda data: memoryview(data).toreadonly(),
    ],
    ids=["bytearray", "memoryview", "array", "readonly-view"],
)
def test_histogram_accepts_any_byte_buffer(make):
    assert mediakit.histogram(make(PIXELS + b"\x07")) == [1] * 7 + [2] + [1] * 248


def test_histogram_wrong_buffer_types():
    with pytest.raises(BufferError, match="C-contiguous"):
        mediakit.histogram(memoryview(PIXELS)[::3])
    with pytest.raises(BufferError, match="not compatible"):
        mediakit.histogram(array("h", [1, 2, 3]))
    with pytest.raises(TypeError):
        mediakit.histogram([1, 2, 3])


# ----- Part 4: apply_gain ------------------------------------------------------------------------


def random_samples(count, seed=5):
    rng = random.Random(seed)
    return array("h", (rng.randint(-32768, 32767) for _ in range(count)))


@pytest.mark.parametrize("gain", [1.0, 0.5, 0.3, 1.5, 3.0, -1.0, -0.7, 0.0, 1e6, -1e300])
def test_apply_gain_matches_baseline(gain):
    actual = random_samples(5000)
    expected = array("h", actual)
    expected_clipped = baseline.apply_gain(expected, gain)
    assert mediakit.apply_gain(actual, gain) == expected_clipped
    assert actual == expected


def test_apply_gain_saturates_and_counts_clipped_samples():
    samples = array("h", [0, 1000, 20000, -20000, 32767, -32768])
    assert mediakit.apply_gain(samples, 2.0) == 4
    assert samples == array("h", [0, 2000, 32767, -32768, 32767, -32768])


def test_apply_gain_negating_the_most_negative_sample():
    # -(-32768) is 32768, one more than an int16 holds: it must clip, not wrap back to -32768.
    samples = array("h", [-32768, 32767, 0])
    assert mediakit.apply_gain(samples, -1.0) == 1
    assert samples == array("h", [32767, -32767, 0])


def test_apply_gain_rounds_half_away_from_zero():
    samples = array("h", [1, 3, 5, -1, -3, -5])
    mediakit.apply_gain(samples, 0.5)
    assert samples == array("h", [1, 2, 3, -1, -2, -3])


def test_apply_gain_through_a_cast_memoryview():
    raw = bytearray(array("h", [100, -100, 30000]).tobytes())
    assert mediakit.apply_gain(memoryview(raw).cast("h"), 2.0) == 1
    assert array("h", bytes(raw)) == array("h", [200, -200, 32767])


def test_apply_gain_empty():
    assert mediakit.apply_gain(array("h"), 2.0) == 0


@pytest.mark.parametrize("gain", [float("nan"), float("inf"), float("-inf")])
def test_apply_gain_non_finite_gain_is_value_error(gain):
    samples = array("h", [1, 2, 3])
    with pytest.raises(ValueError) as info:
        mediakit.apply_gain(samples, gain)
    assert str(info.value) == "gain must be a finite number"
    assert samples == array("h", [1, 2, 3])


@pytest.mark.parametrize(
    "wrong",
    [array("H", [1, 2]), array("i", [1, 2]), bytearray(4), array("b", [1, 2])],
    ids=["unsigned-16", "int-32", "bytearray", "signed-8"],
)
def test_apply_gain_wrong_sample_type_is_buffer_error(wrong):
    with pytest.raises(BufferError, match="not compatible"):
        mediakit.apply_gain(wrong, 2.0)


def test_apply_gain_read_only_is_buffer_error():
    frozen = memoryview(array("h", [1, 2]).tobytes()).cast("h")
    with pytest.raises(BufferError) as info:
        mediakit.apply_gain(frozen, 2.0)
    assert str(info.value) == READ_ONLY_MESSAGE


def test_apply_gain_non_buffer_is_type_error():
    with pytest.raises(TypeError):
        mediakit.apply_gain([1, 2, 3], 2.0)


# ----- no leaks, including on error paths -----------------------------------------------------


def test_no_leaks_grayscale():
    rgb = bytearray(RGB)
    assert_no_leaks(mediakit.grayscale, rgb, 16, 8)
    assert_no_leaks(mediakit.grayscale, rgb, 3, 3, raises=ValueError)
    assert_no_leaks(mediakit.grayscale, rgb, 2**62, 4, raises=ValueError)
    assert_no_leaks(mediakit.grayscale, memoryview(rgb)[::2], 8, 8, raises=BufferError)
    assert_no_leaks(mediakit.grayscale, array("h", [0] * 6), 1, 1, raises=BufferError)


def test_no_leaks_adjust_brightness():
    pixels = bytearray(PIXELS)
    assert_no_leaks(mediakit.adjust_brightness, pixels, 0)
    read_only = memoryview(pixels).toreadonly()
    assert_no_leaks(mediakit.adjust_brightness, read_only, 1, raises=BufferError)
    assert_no_leaks(mediakit.adjust_brightness, PIXELS, 1, raises=BufferError)


def test_no_leaks_histogram():
    data = bytearray(PIXELS)
    assert_no_leaks(mediakit.histogram, data)
    assert_no_leaks(mediakit.histogram, memoryview(data)[::2], raises=BufferError)


def test_no_leaks_apply_gain():
    samples = array("h", [1, -1, 30000])
    assert_no_leaks(mediakit.apply_gain, samples, 1.0)
    assert_no_leaks(mediakit.apply_gain, samples, float("nan"), raises=ValueError)
    assert_no_leaks(mediakit.apply_gain, array("H", [1]), 1.0, raises=BufferError)


# ----- the examples write real files --------------------------------------------------------------


def run_example(name, output_dir):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(os.path.abspath(p) for p in sys.path if p))
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), str(output_dir)],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def read_png(path):
    """(width, height, colour type, pixel rows without filter bytes) of a PNG this course wrote."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, position = {}, 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind}"
        chunks.setdefault(kind, b"")
        chunks[kind] += body
        position += 12 + length
    assert position == len(data)
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour_type, _, _, _ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8
    channels = {0: 1, 2: 3}[colour_type]
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * channels + 1
    assert len(raw) == height * stride
    assert all(raw[y * stride] == 0 for y in range(height))  # filter type 0 on every row
    pixels = b"".join(raw[y * stride + 1:(y + 1) * stride] for y in range(height))
    return width, height, channels, pixels


@pytest.mark.no_leak_check(reason="runs a child process")
def test_example_make_image_writes_real_pngs(tmp_path):
    output = run_example("make_image.py", tmp_path)
    assert "gray.png" in output
    width, height, channels, colour = read_png(tmp_path / "colour.png")
    assert (width, height, channels) == (320, 200, 3)
    gray_width, gray_height, gray_channels, gray = read_png(tmp_path / "gray.png")
    assert (gray_width, gray_height, gray_channels) == (320, 200, 1)
    expected = bytearray(baseline.grayscale(colour, width, height))
    baseline.adjust_brightness(expected, 40)
    assert gray == bytes(expected)


@pytest.mark.no_leak_check(reason="runs a child process")
def test_example_make_tone_writes_real_wavs(tmp_path):
    output = run_example("make_tone.py", tmp_path)
    frames = {}
    for name in ("tone.wav", "loud.wav"):
        with wave.open(str(tmp_path / name), "rb") as wav:
            assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 44_100)
            assert wav.getnframes() == 44_100
            frames[name] = array("h", wav.readframes(wav.getnframes()))
    expected = array("h", frames["tone.wav"])
    clipped = baseline.apply_gain(expected, 4.0)
    assert frames["loud.wav"] == expected
    assert clipped > 0
    assert f"{clipped} of 44100 samples clipped" in output
