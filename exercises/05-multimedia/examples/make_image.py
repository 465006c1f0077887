"""Draw a colour picture, turn it gray and brighter with *your* mediakit, and save both as PNG.

    python exercises/05-multimedia/examples/make_image.py [OUTPUT_DIR]

writes OUTPUT_DIR/colour.png (the input) and OUTPUT_DIR/gray.png (the result); open them in any
image viewer or browser. mediakit must be importable (see the exercise README, "The examples").
"""
import math
import struct
import sys
import zlib
from pathlib import Path

import mediakit

WIDTH, HEIGHT = 320, 200
BRIGHTER_BY = 40


def colour_picture(width, height):
    """Packed RGB bytes: a rainbow across, dark to light down, with a white sun."""
    pixels = bytearray()
    for y in range(height):
        light = y / (height - 1)
        for x in range(width):
            hue = 2 * math.pi * x / width
            rgb = [127.5 * (1 + math.sin(hue + phase)) * light for phase in (0, 2.1, 4.2)]
            if math.hypot(x - 0.75 * width, y - 0.3 * height) < 0.12 * height:
                rgb = [255, 255, 255]
            pixels += bytes(round(channel) for channel in rgb)
    return pixels


def png(width, height, pixels, channels):
    """A minimal PNG file: 8 bits per channel, gray (1 channel) or RGB (3), no interlace."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    colour_type = {1: 0, 3: 2}[channels]
    stride = width * channels
    # Each row starts with its filter type; 0 = the bytes as they are.
    rows = b"".join(b"\0" + bytes(pixels[y * stride:(y + 1) * stride]) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def main(output_dir):
    output_dir.mkdir(parents=True, exist_ok=True)
    colour = colour_picture(WIDTH, HEIGHT)
    gray = bytearray(mediakit.grayscale(colour, WIDTH, HEIGHT))  # a bytearray: writable
    mediakit.adjust_brightness(gray, BRIGHTER_BY)  # in place, no copy
    counts = mediakit.histogram(gray)
    (output_dir / "colour.png").write_bytes(png(WIDTH, HEIGHT, colour, 3))
    (output_dir / "gray.png").write_bytes(png(WIDTH, HEIGHT, gray, 1))
    mean = sum(value * count for value, count in enumerate(counts)) / (WIDTH * HEIGHT)
    print(f"wrote {output_dir / 'colour.png'} and {output_dir / 'gray.png'} ({WIDTH}x{HEIGHT})")
    print(f"gray image: mean brightness {mean:.1f}, {counts[255]} pixels at full white")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
