"""Checksums, word counts and running statistics: a pure-Python module worth making native.

The capstone (exercise 7) builds it in Rust with `cargo xtask new`; tests/baseline.py of that
exercise is a copy of this file.
"""


def checksum(data: bytes) -> int:
    """The Adler-32 checksum of `data` (what `zlib.adler32(data)` returns)."""
    a, b = 1, 0
    for byte in data:
        a = (a + byte) % 65521
        b = (b + a) % 65521
    return (b << 16) | a


def word_counts(text: str, min_length: int = 1) -> dict[str, int]:
    """How often each word of `text` occurs; words are split on whitespace as `str.split()` does,
    and words shorter than `min_length` characters are left out."""
    if min_length < 1:
        raise ValueError(f"min_length must be at least 1, got {min_length}")
    counts = {}
    for word in text.split():
        if len(word) >= min_length:
            counts[word] = counts.get(word, 0) + 1
    return counts


def moving_average(xs: list[float], window: int) -> list[float]:
    """The mean of every `window` consecutive values of `xs`, in order."""
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    if window > len(xs):
        return []
    total = 0.0
    for x in xs[:window]:
        total += x
    averages = [total / window]
    for i in range(window, len(xs)):
        total += xs[i] - xs[i - window]
        averages.append(total / window)
    return averages


class RunningStats:
    """The count, mean and variance of a stream of numbers, updated one value at a time
    (Welford's method)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0
        self._mean = 0.0
        self._m2 = 0.0

    def push(self, x: float) -> int:
        """Add `x`; return how many values have been pushed so far."""
        self.count += 1
        delta = x - self._mean
        self._mean += delta / self.count
        self._m2 += delta * (x - self._mean)
        return self.count

    def mean(self) -> float:
        """The mean of the values so far."""
        if self.count == 0:
            raise ValueError(f"{self.name}: no values yet")
        return self._mean

    def variance(self) -> float:
        """The sample variance of the values so far (needs two)."""
        if self.count < 2:
            raise ValueError(f"{self.name}: variance needs at least 2 values, got {self.count}")
        return self._m2 / (self.count - 1)

    def label(self) -> str:
        """`name: n=COUNT`."""
        return f"{self.name}: n={self.count}"
