"""The 6/9/12/15-digit code scheme and west→east, north→south grid numbering."""

from __future__ import annotations

import pytest

from geo.layers.codes import code_problem, grid_codes, reading_order


@pytest.mark.parametrize(("level", "code", "parent", "ok"), [
    ("district", "140403", None, True),
    ("district", "14040", None, False),
    ("street", "140403001", "140403", True),
    ("street", "140404001", "140403", False),
    ("community", "140403001001", "140403001", True),
    ("community", "14040300100A", "140403001", False),
    ("grid", "140403001001001", "140403001001", True),
    ("grid", "140403001001000", "140403001001", False),
    ("grid", "140403001002001", "140403001001", False),
])
def test_code_problem(level: str, code: str, parent: str | None, ok: bool) -> None:
    assert (code_problem(level, code, parent) is None) is ok


def test_grids_numbered_west_to_east_then_north_to_south() -> None:
    # A 3 x 2 block of grids, listed in scrambled order; y grows northwards (metres).
    xs = [200, 0, 100, 0, 200, 100]
    ys = [0, 100, 100, 0, 100, 3]  # the last is 3 m lower than its row: same row
    codes = grid_codes("140403001001", xs, ys, row_tolerance_m=20)
    assert codes == ["140403001001006", "140403001001001", "140403001001002",
                     "140403001001004", "140403001001003", "140403001001005"]


def test_reading_order_rows_start_at_the_northernmost_point() -> None:
    assert reading_order([5, 0, 9], [50, 0, 48], row_tolerance_m=5).tolist() == [0, 2, 1]
