"""A throwaway database holding the demo district with its year of incidents and their handling history,
as `make data` loads them (layers, good hotline rows, history), for the benchmarks of the desk and the
dashboard."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

from bench import network as netgen


@contextlib.contextmanager
def demo_year(label: str) -> Iterator[str]:
    """The URL of a new database with the demo's layers, incidents and history; dropped afterwards."""
    from data.generate import generate
    from geo.incidents.csv_import import import_csv
    from geo.incidents.history_import import import_history
    from geo.layers.loader import LoadOptions, load_directory

    with tempfile.TemporaryDirectory() as tmp, netgen.throwaway_database(netgen.admin_url(), label) as url:
        demo = Path(tmp) / "demo"
        generate(demo, seed=20261122)
        with psycopg.connect(url) as conn:
            load_directory(conn, demo, LoadOptions())
            conn.commit()
            import_csv(conn, demo / "incidents.csv", good_rows_only=True)
            import_history(conn, demo / "incident_history.csv")
            conn.commit()
            conn.execute("ANALYZE")
        yield url
