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


@pytest.fixture(scope="session")
def versions(tmp_path_factory):
    """A republication pair as PDF bytes: (first publication with a planted error — one 项 basic-expenditure
    cell +1.00 in 部门预算支出总表, which row_components finds —, corrected republication), and the forged budget."""
    import copy
    import random

    from pipelines.forge import DEPARTMENTS, budget_blocks, forge_budget, pick_counties
    from pipelines.pdfgen import render_blocks
    from pipelines.plant import plant

    rng = random.Random(5)
    county = pick_counties(rng, 1)[0]
    fb = forge_budget(rng, county, DEPARTMENTS[0], 2023, "hebei")
    blocks = budget_blocks(fb)
    wrong, _ = plant(copy.deepcopy(blocks), "changed_cell", rng)
    d = tmp_path_factory.mktemp("versions")
    render_blocks(wrong, d / "v1.pdf")
    render_blocks(blocks, d / "v2.pdf")
    return (d / "v1.pdf").read_bytes(), (d / "v2.pdf").read_bytes(), fb


JIANGSU_RD = SHARED / "real" / "jiangsu" / "江苏省人大办公厅"
RD19_TABLES = "江苏省人大常委会办公厅2019年部门预算公开表.pdf"  # 公开表一…十二
RD19_NARRATIVE = "江苏省人大常委会2019年度部门预算公开.pdf"  # its 情况说明, a file of its own


@pytest.fixture(scope="session")
def jiangsu_pair(tmp_path_factory):
    """One department-year published as two files (the tables and the narrative), built once through
    `cnbudget score` (refresh + scoreboard): (raw folder, warehouse; score.json beside the warehouse)."""
    import shutil

    from typer.testing import CliRunner

    from pipelines.cli import app

    raw = tmp_path_factory.mktemp("jiangsu_pair_raw")
    for n in (RD19_TABLES, RD19_NARRATIVE):
        shutil.copy(JIANGSU_RD / n, raw / n)
    wh = tmp_path_factory.mktemp("jiangsu_pair_wh") / "budget.duckdb"
    res = CliRunner().invoke(app, ["score", "--raw", str(raw), "--warehouse", str(wh), "--quiet"])
    assert res.exit_code == 0, res.output
    return raw, wh
