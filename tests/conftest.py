"""Shared fixtures. The seed documents and the real PDFs are read from ../shared (beside the checkout);
a missing ../shared is a failure, not a skip."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"

logging.getLogger("great_expectations").setLevel(logging.ERROR)


def seed(prefix: str) -> Path:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert found, f"seed {prefix}_*.txt not found under {SEEDS}: ../shared must sit beside the checkout"
    return found[0]


@pytest.fixture(scope="session")
def pingxiang() -> Path:
    return seed("001")


@pytest.fixture(scope="session")
def hezheng() -> Path:
    return seed("000")


@pytest.fixture(scope="session")
def seed_warehouse(tmp_path_factory, pingxiang, hezheng):
    """The warehouse built by the real refresh from the two seed text exports."""
    from pipelines.refresh import refresh

    raw = tmp_path_factory.mktemp("raw")
    for p in (pingxiang, hezheng):
        (raw / p.name).write_bytes(p.read_bytes())
    wh = tmp_path_factory.mktemp("wh") / "budget.duckdb"
    stats = refresh(raw, wh)
    return wh, stats


@pytest.fixture()
def con(seed_warehouse):
    import duckdb

    c = duckdb.connect(str(seed_warehouse[0]), read_only=True)
    yield c
    c.close()
