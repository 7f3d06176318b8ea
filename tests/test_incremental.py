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
