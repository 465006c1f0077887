"""Make a one-second tone, turn it up too far with *your* mediakit, and save both as WAV files.

    python exercises/05-multimedia/examples/make_tone.py [OUTPUT_DIR]

writes OUTPUT_DIR/tone.wav (a clean 440 Hz tone) and OUTPUT_DIR/loud.wav (the same at 4x gain:
the peaks are clipped, and you can hear the distortion). mediakit must be importable (see the
exercise README, "The examples").
"""
import math
import sys
import wave
from array import array
from pathlib import Path

import mediakit

RATE = 44_100
FREQUENCY = 440.0
GAIN = 4.0


def tone(seconds=1.0, amplitude=12_000):
    """16-bit mono samples of a sine tone with a short fade in and out (no clicks)."""
    count = int(RATE * seconds)
    fade = RATE // 50
    samples = array("h", bytes(2 * count))
    for i in range(count):
        envelope = min(1.0, i / fade, (count - 1 - i) / fade)
        samples[i] = round(amplitude * envelope * math.sin(2 * math.pi * FREQUENCY * i / RATE))
    return samples


def write_wav(path, samples):
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)  # bytes per sample: int16
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())  # WAV is little-endian, like this machine


def main(output_dir):
    output_dir.mkdir(parents=True, exist_ok=True)
    clean = tone()
    loud = array("h", clean)
    clipped = mediakit.apply_gain(loud, GAIN)  # in place, through the buffer protocol
    write_wav(output_dir / "tone.wav", clean)
    write_wav(output_dir / "loud.wav", loud)
    print(f"wrote {output_dir / 'tone.wav'} and {output_dir / 'loud.wav'}")
    print(f"gain {GAIN}: {clipped} of {len(loud)} samples clipped")


if __name__ == "__main__":
    if sys.byteorder != "little":
        sys.exit("this example writes samples as they are in memory: it needs a little-endian CPU")
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
