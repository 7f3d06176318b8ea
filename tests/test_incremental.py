"""Incremental refresh: nothing new means nothing rebuilt; a new document is extracted alone and rebuilt in."""
from __future__ import annotations

import duckdb

from pipelines.refresh import refresh


def test_nothing_new_leaves_the_warehouse_as_it_is_and_a_new_document_is_added(tmp_path, pingxiang, hezheng):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / pingxiang.name).write_bytes(pingxiang.read_bytes())
    wh = tmp_path / "wh" / "budget.duckdb"
    first = refresh(raw, wh)
    assert first["unchanged"] is False and first["extracted"] == 1
    mtime = wh.stat().st_mtime_ns
    second = refresh(raw, wh)
    assert second["unchanged"] is True and second["cached"] == 1 and second["extracted"] == 0
    assert wh.stat().st_mtime_ns == mtime  # not rebuilt
    assert second["documents"] == 1
    (raw / hezheng.name).write_bytes(hezheng.read_bytes())
    third = refresh(raw, wh)
    assert third["unchanged"] is False and third["extracted"] == 1 and third["cached"] == 1
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.documents").fetchone() == (2,)
    assert con.execute("SELECT count(*) FROM dq.runs").fetchone() == (2,)  # two builds, history carried
    con.close()


def test_the_marts_are_written_while_the_build_waits_for_great_expectations(tmp_path, pingxiang, monkeypatch):
    """The marts (dictionary tables, views, comments) read nothing the checks write: a build writes them once every
    rule has run and before it waits for GX's answer (pipelines.checks.run_checks' while_waiting), so that the wait
    is not idle. Seen from the build's connection as the wait begins: every mart view and the data dictionary are
    there, this run's findings are not yet."""
    import pipelines.checks as checks

    seen: dict = {}
    compute, result = checks.compute_instances, checks.SuiteStream.result

    def compute_instances(con, *a, **k):
        seen["con"] = con
        return compute(con, *a, **k)

    def at_the_wait(self):
        con = seen["con"]
        seen["views"] = con.execute("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'marts' "
                                    "AND NOT internal").fetchone()[0]
        seen["dictionary"] = con.execute("SELECT count(*) FROM core.ref_dictionary").fetchone()[0]
        seen["findings"] = con.execute("SELECT count(*) FROM dq.findings").fetchone()[0]
        return result(self)

    monkeypatch.setattr(checks, "compute_instances", compute_instances)
    monkeypatch.setattr(checks.SuiteStream, "result", at_the_wait)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / pingxiang.name).write_bytes(pingxiang.read_bytes())
    wh = tmp_path / "wh" / "budget.duckdb"
    stats = refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    try:
        views = con.execute("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'marts' AND NOT internal").fetchone()[0]
        dictionary = con.execute("SELECT count(*) FROM core.ref_dictionary").fetchone()[0]
        findings = con.execute("SELECT count(*) FROM dq.findings").fetchone()[0]
    finally:
        con.close()
    assert views == 19 and seen["views"] == views  # (every view of sql/marts)
    assert dictionary > 100 and seen["dictionary"] == dictionary
    assert findings == stats["dq"]["findings"] > 0 and seen["findings"] == 0
    assert stats["phases"]["marts"] > 0
