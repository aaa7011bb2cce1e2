"""A progress bar on standard error (counts and time left), drawn only on a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from geo.progress import Progress


@contextmanager
def bar(desc: str, unit: str = "步") -> Iterator[Progress]:
    """A `geo.progress.Progress` that moves a bar titled `desc`; silent when stderr is not a terminal."""
    with tqdm(desc=desc, unit=unit, disable=None, dynamic_ncols=True) as line:
        def update(step: str, done: int, total: int) -> None:
            line.total = total
            line.n = done
            line.set_postfix_str(step, refresh=False)
            line.refresh()
        yield update
