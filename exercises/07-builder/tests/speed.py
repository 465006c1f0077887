"""The input of exercise.toml's speed case: large, typical, the same on every run."""

import baseline
from lessongrader.differential import large_args


def make_checksum_input():
    return large_args(baseline.checksum, size=20_000, seed=19)
