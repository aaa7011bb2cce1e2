"""The README's access table says what api/access.ACCESS decides, operation for operation."""

from __future__ import annotations

import re
from pathlib import Path

from api.access import ACCESS

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_table() -> dict[tuple[str, str], str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- access table:")
    end = text.index("<!-- end of access table -->")
    decided: dict[tuple[str, str], str] = {}
    for row in text[start:end].splitlines():
        found = re.match(r"\| \*\*(\w+)\*\* \|[^|]*\|(.*)\|$", row)
        if not found:
            continue
        for method, path in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) ([^`]+)`", found.group(2)):
            assert (method, path) not in decided, f"{method} {path} twice in the README"
            decided[(method, path)] = found.group(1)
    return decided


def test_the_readme_access_table_equals_the_code() -> None:
    assert _readme_table() == dict(ACCESS)
