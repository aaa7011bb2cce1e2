"""Index arithmetic shared by the array code: many runs of consecutive indices at once."""

from __future__ import annotations

import numpy as np


def ranges(start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """start[i], start[i] + 1, …, start[i] + count[i] − 1 for each i in turn (e.g. the rows of
    a CSR matrix's indices, or the vertices of lines in a flat coordinate array)."""
    count = np.asarray(count)
    before = np.repeat(np.cumsum(count) - count, count)
    return np.repeat(np.asarray(start), count) + np.arange(int(count.sum())) - before
