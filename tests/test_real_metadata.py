"""tests/data/real_metadata.csv is the hand-checked truth about every file under ../shared/real (department,
region, year, kind, whether it carries the standard tables; see tests/data/real_metadata.md). These checks
keep it whole: every file listed once under its current content hash, duplicates labelled alike, values
from the documented vocabularies. They say nothing about the parser; the metadata tests of issue 12
compare the parser's output with this file."""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

from pipelines.extract import sha256_of

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real"
ROWS = list(csv.DictReader((ROOT / "tests" / "data" / "real_metadata.csv").open(encoding="utf-8")))
KINDS = {"budget", "final_accounts", "performance_targets_only", "narrative_only", "evaluation_report",
         "unit_budget", "not_budget", "not_pdf"}


def test_every_file_listed_once_with_its_hash():
    files = sorted(str(p.relative_to(REAL)) for p in REAL.rglob("*") if p.is_file())
    assert sorted(r["path"] for r in ROWS) == files
    for r in ROWS:
        assert r["sha256"] == sha256_of(REAL / r["path"])[:16], r["path"]


def test_values_from_the_documented_vocabularies():
    for r in ROWS:
        assert r["kind"] in KINDS, r
        assert r["has_standard_tables"] in ("yes", "no"), r
        assert re.fullmatch(r"\d{6}", r["region_code"]) and r["region_name"] and r["department"], r
        if r["kind"] == "not_budget":
            assert (r["fiscal_year"], r["phase"], r["has_standard_tables"]) == ("", "", "no"), r
        else:
            assert re.fullmatch(r"20\d\d", r["fiscal_year"]), r
            assert r["phase"] == ("final" if r["kind"] == "final_accounts" else "budget"), r
        if r["kind"] == "narrative_only":
            assert r["has_standard_tables"] == "no", r


def test_duplicates_labelled_alike():
    by_hash = defaultdict(set)
    for r in ROWS:
        by_hash[r["sha256"]].add(tuple(r[k] for k in ("department", "region_code", "fiscal_year", "phase",
                                                      "kind", "has_standard_tables")))
    assert {h: v for h, v in by_hash.items() if len(v) > 1} == {}


def test_known_counts():
    """126 distinct documents in cities/ (145 files), 83 of them with the standard tables."""
    distinct = {r["sha256"]: r for r in ROWS if r["path"].startswith("cities/")}
    assert (sum(r["path"].startswith("cities/") for r in ROWS), len(distinct)) == (145, 126)
    assert sum(r["has_standard_tables"] == "yes" for r in distinct.values()) == 83
