"""Report test support: the shapes the tests compare."""

from __future__ import annotations


def empty_grid() -> list[list[int]]:
    return [[0] * 24 for _ in range(7)]
