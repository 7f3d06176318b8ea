"""Known answers: consistent forged documents with one planted discrepancy each (pipelines/plant.py).
Every planted discrepancy is found by the rule meant for it; the untouched documents raise nothing."""
from __future__ import annotations

import json
from decimal import Decimal as D

import duckdb
import pytest

from pipelines.plant import PLANTS, plant_corpus
from pipelines.refresh import refresh


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    raw = tmp_path_factory.mktemp("planted")
    plan = plant_corpus(raw)
    (raw / "planted.json").rename(raw.parent / "planted.json")  # the plan is not an input document
    wh = tmp_path_factory.mktemp("pwh") / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    ids = dict(con.execute("SELECT regexp_extract(source_path, '[^/]+$'), document_id FROM core.dim_document").fetchall())
    yield con, ids, plan
    con.close()


def test_plan_covers_every_kind(planted):
    _, _, plan = planted
    assert {p["kind"] for p in plan if p["kind"]} == set(PLANTS)
    assert json.dumps(plan, ensure_ascii=False)  # the list of what was planted is data


@pytest.mark.parametrize("kind", sorted(PLANTS))
def test_planted_discrepancy_is_found_by_its_rule(planted, kind):
    con, ids, plan = planted
    p = next(p for p in plan if p["kind"] == kind)
    rules = {r[0] for r in con.execute("SELECT rule FROM dq.findings WHERE document_id = ?", [ids[p["file"]]]).fetchall()}
    assert p["rule"] in rules, (p, rules)


def test_untouched_documents_raise_nothing(planted):
    con, ids, plan = planted
    for p in plan:
        if p["kind"] is None:
            n = con.execute("SELECT count(*) FROM dq.findings WHERE document_id = ?", [ids[p["file"]]]).fetchone()[0]
            assert n == 0, p["file"]
            assert con.execute("SELECT dq_status FROM marts.documents WHERE document_id = ?",
                               [ids[p["file"]]]).fetchone() == ("pass",)


def test_planted_values_are_reported_exactly(planted):
    con, ids, plan = planted
    p = next(p for p in plan if p["kind"] == "summary_unbalanced")
    exp, act = con.execute("SELECT expected, actual FROM dq.findings WHERE document_id = ? AND rule = 'summary_balance'",
                           [ids[p["file"]]]).fetchone()
    assert act - exp == D("1.00")
