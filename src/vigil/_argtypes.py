"""argparse types shared by the command modules: seconds, positive numbers, counts."""

from __future__ import annotations

import argparse


def seconds(text: str) -> float:
    """A non-negative number of seconds."""
    try:
        v = float(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"expected seconds as a number, got {text!r}") from e
    if not v >= 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative number of seconds, got {text!r}")
    return v


def positive(text: str) -> float:
    """A number > 0."""
    v = seconds(text)
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return v


def count(text: str) -> int:
    """A whole number >= 1."""
    try:
        v = int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from e
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return v
