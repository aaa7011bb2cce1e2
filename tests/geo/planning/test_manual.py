"""A what-if saved as a scenario: the what-if's figures, kept, and sites that add up."""

from __future__ import annotations

import numpy as np
import pytest

from geo.errors import BadRequest
from geo.planning import manual, scenarios
from geo.walking import _loaded, whatif
from tests.geo.walking.test_whatif import random_change

SEED = 20261206


@pytest.mark.parametrize("case", range(2))
def test_a_saved_what_if_keeps_its_figures_and_its_sites_add_up(demo, case: int) -> None:
    rng = np.random.default_rng(SEED + case)
    change = random_change(demo, rng)
    loaded = _loaded.current(demo)
    answer = whatif.whatif(demo, loaded, change)
    saved = scenarios.read(demo, manual.store(demo, loaded, change, name=f"推演{case}", kind="全部"))
    assert (saved["covered_before"], saved["covered_after"]) == (answer["before"]["covered"],
                                                                 answer["after"]["covered"])
    assert saved["method"] == "manual" and saved["sites"] == len(change.add)
    assert sum(s["covered_before"] for s in saved["streets"]) == saved["covered_before"]
    assert sum(s["covered_after"] for s in saved["streets"]) == saved["covered_after"]
    # what the added stations add, on top of the same change without them (saved on its own)
    without = whatif.Change(move=change.move, remove=change.remove)
    base = scenarios.read(demo, manual.store(demo, loaded, without, name=f"推演{case}（不新增）", kind="全部"))
    gains = [s["newly_covered"] for s in saved["sites_chosen"]]
    assert sum(gains) == saved["covered_after"] - base["covered_after"] and gains == sorted(gains, reverse=True)
    assert [s["code"] for s in saved["sites_chosen"]] == [f"新增{i + 1}" for i in range(len(gains))]
    assert "手动方案" in scenarios.verdict(saved)
    area = demo.execute("SELECT ST_Area(newly_covered_area::geography) FROM siting_scenarios WHERE id = %s",
                        (saved["id"],)).fetchone()[0]
    assert (area or 0) > 0 or answer["newly_covered"] == 0


def test_nothing_to_save_is_refused(demo) -> None:
    with pytest.raises(BadRequest, match="没有改动"):
        manual.store(demo, _loaded.current(demo), whatif.Change(), name="空", kind="全部")
