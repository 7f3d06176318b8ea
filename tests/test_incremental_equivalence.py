"""An incremental build gives the warehouse a full build gives, row for row.

One raw folder goes through three refreshes: a first (full) build; then new documents (a seed, forged budgets and
final accounts of departments already loaded, the narrative part of a publication whose tables are loaded), a
document republished in place (its first version stays as history), a document moved to another name, and a
document removed; then more removals (a publication's table part goes, its narrative stays). After each
incremental build, a full build of the same staged inputs into another file must hold the same rows in every core
and dq table and in the marts (run ids and check times aside)."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.config import staging_dir
from pipelines.refresh import refresh

ROOT = Path(__file__).resolve().parents[1]
FORGED = ROOT / "data" / "raw" / "forged"
JIANGSU_RD = ROOT.parent / "shared" / "real" / "jiangsu" / "江苏省人大办公厅"
RD19_TABLES = "江苏省人大常委会办公厅2019年部门预算公开表.pdf"
RD19_NARRATIVE = "江苏省人大常委会2019年度部门预算公开.pdf"

# what differs between two builds of the same inputs by design: the run's id and time, the build's own record,
# the documents and codes it re-checked, and the history carried from earlier builds
NOT_COMPARED_TABLES = {"core.build_info", "core.check_scope", "core.check_scope_code", "dq.runs", "dq.findings_history"}
NOT_COMPARED_COLUMNS = {"run_id", "checked_at"}
MARTS = ("documents", "budget_lines", "budget_lines_all", "budget_lines_history", "dq_findings", "coverage",
         "untrusted_tables", "line_findings", "performance_targets_all", "projects_all", "department_totals",
         "department_figures", "three_public", "budget_execution")


def _rows(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    cols = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
    keep = [c for c in cols if c not in NOT_COMPARED_COLUMNS]
    rows = con.execute(f"SELECT {', '.join(chr(34) + c + chr(34) for c in keep)} FROM {name}").fetchall()
    return sorted(rows, key=repr)


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return sorted(f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name IN ('core', 'dq')").fetchall())


def assert_same_warehouse(incremental: Path, full: Path):
    a = duckdb.connect(str(incremental), read_only=True)
    b = duckdb.connect(str(full), read_only=True)
    try:
        assert _tables(a) == _tables(b)
        compared = 0
        for name in [t for t in _tables(a) if t not in NOT_COMPARED_TABLES] + [f"marts.{m}" for m in MARTS]:
            ra, rb = _rows(a, name), _rows(b, name)
            only_a = [r for r in ra if r not in rb][:3]
            only_b = [r for r in rb if r not in ra][:3]
            assert ra == rb, f"{name}: {len(ra)} rows incremental vs {len(rb)} full; only incremental {only_a}; " \
                             f"only full {only_b}"
            compared += len(ra)
        return compared
    finally:
        a.close()
        b.close()


def full_build_of(raw: Path, wh: Path, tmp: Path) -> Path:
    """A full build of exactly the inputs ``wh`` was refreshed from (its staged documents, no re-extraction)."""
    other = tmp / f"full-{wh.parent.name}-{len(list(tmp.iterdir()))}" / "budget.duckdb"
    other.parent.mkdir(parents=True)
    shutil.copytree(staging_dir(wh), staging_dir(other))
    stats = refresh(raw, other)
    assert stats["mode"] == "full" and stats["extracted"] == 0
    return other


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, pingxiang, hezheng, versions):
    d = tmp_path_factory.mktemp("incr_sources")
    v1, v2, _ = versions
    (d / "v1.pdf").write_bytes(v1)
    (d / "v2.pdf").write_bytes(v2)
    return {"pingxiang": pingxiang, "hezheng": hezheng, "v1": d / "v1.pdf", "v2": d / "v2.pdf"}


def test_incremental_build_equals_full_build(tmp_path, corpus):
    raw = tmp_path / "raw"
    raw.mkdir()
    wh = tmp_path / "wh" / "budget.duckdb"
    forged = sorted(FORGED.glob("*.pdf"))
    first_year = [p for p in forged if "_2021_" in p.name]
    second_year = [p for p in forged if "_2022_" in p.name]
    assert len(first_year) >= 6 and len(second_year) >= 6
    shutil.copy(corpus["pingxiang"], raw / corpus["pingxiang"].name)
    for p in first_year:
        shutil.copy(p, raw / p.name)
    shutil.copy(JIANGSU_RD / RD19_TABLES, raw / RD19_TABLES)
    shutil.copy(corpus["v1"], raw / "republished.pdf")
    first = refresh(raw, wh)
    assert first["mode"] == "full" and first["documents"] == 2 + len(first_year) + 1

    # new, republished in place, moved, removed
    shutil.copy(corpus["hezheng"], raw / corpus["hezheng"].name)
    for p in second_year:
        shutil.copy(p, raw / p.name)
    shutil.copy(JIANGSU_RD / RD19_NARRATIVE, raw / RD19_NARRATIVE)
    shutil.copy(corpus["v2"], raw / "republished.pdf")
    gone = next(p for p in first_year if p.name.endswith("_final.pdf"))
    (raw / gone.name).unlink()
    moved = next(p for p in first_year if p.name.endswith("_budget.pdf"))
    (raw / moved.name).rename(raw / f"renamed_{moved.name}")
    second = refresh(raw, wh)
    assert second["mode"] == "incremental"
    # added: hezheng, the 2022 documents, the narrative, the republication, the moved file (its path changed)
    assert second["documents_loaded"] == 1 + len(second_year) + 1 + 1 + 1
    assert second["documents_removed"] == 2  # the removed final and the moved file's old record
    con = duckdb.connect(str(wh), read_only=True)
    # the first version of the republished document stays, superseded
    assert con.execute("SELECT count(*) FROM core.document_version WHERE NOT is_current").fetchone() == (1,)
    # the run's findings are a complete set: the history holds them under this run too
    assert con.execute("SELECT count(*) FROM dq.findings").fetchone() == con.execute(
        "SELECT count(*) FROM dq.findings_history WHERE run_id = ?", [second["run_id"]]).fetchone()
    assert con.execute("SELECT count(*) FROM dq.runs").fetchone() == (2,)
    con.close()
    assert assert_same_warehouse(wh, full_build_of(raw, wh, tmp_path)) > 10_000

    # removals only: a seed, and the table part of a publication whose narrative stays
    (raw / corpus["hezheng"].name).unlink()
    (raw / RD19_TABLES).unlink()
    third = refresh(raw, wh)
    assert third["mode"] == "incremental" and third["documents_loaded"] == 0 and third["documents_removed"] == 2
    assert assert_same_warehouse(wh, full_build_of(raw, wh, tmp_path)) > 10_000


def test_changed_code_rebuilds_in_full(tmp_path, corpus, monkeypatch):
    """A build whose code (SQL, suites, vocabulary, pipeline code) differs from the live file's is a full build:
    the rows of the previous file are never reused by other code."""
    from pipelines import warehouse

    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(corpus["pingxiang"], raw / corpus["pingxiang"].name)
    wh = tmp_path / "wh" / "budget.duckdb"
    assert refresh(raw, wh)["mode"] == "full"
    shutil.copy(corpus["hezheng"], raw / corpus["hezheng"].name)
    monkeypatch.setattr(warehouse, "code_fingerprint", lambda: "other code")
    stats = refresh(raw, wh)
    assert stats["mode"] == "full" and stats["documents_loaded"] == 2


def test_census_change_rechecks_other_departments(tmp_path):
    """A new document of another department that changes which name most documents print for a code (the census of
    dim_one_name_per_code) has that rule re-evaluated for the loaded documents printing the code, though their
    departments are not re-checked: the one document of 炎陵县's 人力资源和社会保障局 prints 2080109 as
    社会保险经办机构; a new one of 平阳县's prints it as 一社会保险经办机构, which ties on one document each and
    sorts first, so it becomes the name most documents print and the loaded document gets the finding — as in a
    full build of the same inputs."""
    from pipelines.forge import forge

    loaded, new = forge(tmp_path / "src", counties=2, years=1, departments=1, fmt="txt")
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(loaded, raw / loaded.name)
    wh = tmp_path / "wh" / "budget.duckdb"
    assert refresh(raw, wh)["mode"] == "full"
    text = new.read_text(encoding="utf-8")
    assert text.count("\t2080109 社会保险经办机构\n") == 3  # (this template prints code and name in one cell)
    (raw / new.name).write_text(text.replace("社会保险经办机构", "一社会保险经办机构"), encoding="utf-8")
    stats = refresh(raw, wh)
    assert stats["mode"] == "incremental" and stats["documents_loaded"] == 1
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert sorted(r[0] for r in con.execute("SELECT county FROM core.dim_document").fetchall()) == ["平阳县", "炎陵县"]
        first = con.execute("SELECT document_id FROM core.dim_document WHERE source_path LIKE ?",
                            [f"%{loaded.name}"]).fetchone()[0]
        # not re-checked as a document (another region), re-evaluated on the code whose census changed
        assert con.execute("SELECT count(*) FROM core.check_scope WHERE document_id = ?", [first]).fetchone() == (0,)
        assert ("function", "2080109", 2021) in con.execute(
            "SELECT classification, code, fiscal_year FROM core.check_scope_code").fetchall()
        assert con.execute("SELECT document_id, message FROM dq.findings WHERE rule = 'dim_one_name_per_code' "
                           "AND subject = '2080109'").fetchall() == [
            (first, "code 2080109 has several names in 2021: 一社会保险经办机构 / 社会保险经办机构 (this document: "
                    "社会保险经办机构; most documents: 一社会保险经办机构)")]
    finally:
        con.close()
    assert assert_same_warehouse(wh, full_build_of(raw, wh, tmp_path)) > 500

    # and back: the new document goes, the census is the first one again, the finding goes with it
    (raw / new.name).unlink()
    stats = refresh(raw, wh)
    assert stats["mode"] == "incremental" and stats["documents_removed"] == 1
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert ("function", "2080109", 2021) in con.execute(
            "SELECT classification, code, fiscal_year FROM core.check_scope_code").fetchall()
        assert con.execute("SELECT count(*) FROM dq.findings WHERE rule = 'dim_one_name_per_code' "
                           "AND subject = '2080109'").fetchone() == (0,)
    finally:
        con.close()
    assert assert_same_warehouse(wh, full_build_of(raw, wh, tmp_path)) > 500


def test_census_change_is_scoped_to_its_year(tmp_path):
    """The name census is per code and year: a new document of 2022 that changes the name most documents print for
    2080109 in 2022 re-evaluates dim_one_name_per_code on the 2022 instances only (core.check_scope_code holds that
    year alone): the 2022 document of the other county gets the finding, its 2021 document, printing the same name
    in a year whose census did not change, does not — as in a full build of the same inputs."""
    from pipelines.forge import forge

    docs = {p.name: p for p in forge(tmp_path / "src", counties=2, years=2, departments=1, fmt="txt")}
    assert sorted(docs) == ["forged_330326_2021_316_budget.txt", "forged_330326_2022_316_budget.txt",
                            "forged_430225_2021_316_budget.txt", "forged_430225_2022_316_budget.txt"]
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("forged_430225_2021_316_budget.txt", "forged_430225_2022_316_budget.txt",
                 "forged_330326_2021_316_budget.txt"):
        shutil.copy(docs[name], raw / name)
    wh = tmp_path / "wh" / "budget.duckdb"
    assert refresh(raw, wh)["mode"] == "full"
    new = docs["forged_330326_2022_316_budget.txt"]
    text = new.read_text(encoding="utf-8")
    assert text.count("\t2080109 社会保险经办机构\n") == 3
    (raw / new.name).write_text(text.replace("社会保险经办机构", "一社会保险经办机构"), encoding="utf-8")
    stats = refresh(raw, wh)
    assert stats["mode"] == "incremental" and stats["documents_loaded"] == 1
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("SELECT DISTINCT fiscal_year FROM core.check_scope_code").fetchall() == [(2022,)]
        assert ("function", "2080109", 2022) in con.execute(
            "SELECT classification, code, fiscal_year FROM core.check_scope_code").fetchall()
        other_2022 = con.execute("SELECT document_id FROM core.dim_document WHERE source_path LIKE ?",
                                 ["%forged_430225_2022_316_budget.txt"]).fetchone()[0]
        assert con.execute("SELECT document_id, message FROM dq.findings WHERE rule = 'dim_one_name_per_code' "
                           "AND subject = '2080109'").fetchall() == [
            (other_2022, "code 2080109 has several names in 2022: 一社会保险经办机构 / 社会保险经办机构 (this document: "
                         "社会保险经办机构; most documents: 一社会保险经办机构)")]
    finally:
        con.close()
    assert assert_same_warehouse(wh, full_build_of(raw, wh, tmp_path)) > 500
