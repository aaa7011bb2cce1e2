"""Progress of long operations, reported to whoever runs them (the command line draws a bar)."""

from __future__ import annotations

from collections.abc import Callable

# progress(step, done, total): `done` of `total` steps are finished, the last one named `step`.
Progress = Callable[[str, int, int], None]
