"""The Dagster code location: the graph, the schedule, one in-process materialisation, and a refresh with nothing
new that is a no-op in Dagster too (no run from the schedule; a run launched anyway builds nothing)."""
from __future__ import annotations

import shutil

import duckdb
import dagster as dg

from pipelines.definitions import (defs, dq_dashboard, marts, nightly, raw_documents, refresh_run_config,
                                   staged_documents, warehouse)

ASSETS = [raw_documents, staged_documents, warehouse, marts, dq_dashboard]


def test_graph_and_schedule():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {"raw_documents", "staged_documents", "warehouse", "marts", "dq_dashboard", "document_batch"}
    # raw_documents: what a refresh reads (discover_inputs), staged_documents: what was staged, where it is now,
    # the ingest errors of what was refused
    assert graph.get(dg.AssetKey("warehouse")).parent_keys == {dg.AssetKey("staged_documents")}
    assert graph.get(dg.AssetKey("staged_documents")).parent_keys == {dg.AssetKey("raw_documents")}
    sched = defs.resolve_schedule_def("nightly_refresh")
    assert (sched.cron_schedule, sched.execution_timezone) == ("0 2 * * *", "Asia/Shanghai")
    checks = {c.name for c in graph.get_checks_for_asset(dg.AssetKey("warehouse"))} if hasattr(
        graph, "get_checks_for_asset") else {s.name for s in warehouse.check_specs}
    assert {"gx_arithmetic", "gx_cross_table", "gx_narrative", "gx_performance", "gx_completeness",
            "gx_dimensions", "gx_parse"} <= checks


def _materialize(raw, wh):
    res = dg.materialize(ASSETS, run_config=refresh_run_config(raw, wh), instance=dg.DagsterInstance.ephemeral())
    assert res.success
    meta = {k: v.value for k, v in res.asset_materializations_for_node("warehouse")[0].metadata.items()}
    return res, meta


def test_materialize_in_process_then_nothing_new(tmp_path, hezheng, pingxiang, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / hezheng.name).write_bytes(hezheng.read_bytes())
    (raw / "manifest.json").write_text('{"../outside.txt": {"fiscal_year": 2023}}', encoding="utf-8")
    wh = tmp_path / "wh" / "budget.duckdb"
    res, meta = _materialize(raw, wh)
    assert meta["unchanged"] is False and meta["documents"] == 1
    checks = {e.check_name: e.passed for e in res.get_asset_check_evaluations()}
    # Hezheng's unit budget blocks do not add up (a published discrepancy): the arithmetic suite fails
    assert checks["gx_arithmetic"] is False
    assert checks["gx_cross_table"] is True
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.projects").fetchone() == (12,)
    assert con.execute("SELECT source_path FROM marts.documents").fetchall() == [(str(raw / hezheng.name),)]
    # the manifest problem is an ingest error, as in the CLI's refresh
    assert con.execute("SELECT error_kind FROM core.ingest_errors").fetchall() == [("manifest_invalid",)]
    con.close()
    dashboard = wh.parent / "dq" / "dashboard.html"
    assert dashboard.exists()

    # nothing new: the schedule starts no run …
    monkeypatch.setenv("CNBUDGET_RAW", str(raw))
    monkeypatch.setenv("CNBUDGET_WAREHOUSE", str(wh))
    tick = nightly(dg.build_schedule_context(instance=dg.DagsterInstance.ephemeral()))
    assert isinstance(tick, dg.SkipReason) and "up to date" in tick.skip_message
    # … and a run launched anyway rebuilds nothing: the warehouse file and the dashboard stay as they were
    st, dash = wh.stat(), dashboard.stat().st_mtime_ns
    again, meta2 = _materialize(raw, wh)
    assert meta2["unchanged"] is True and meta2["documents"] == 1 and meta2["facts"] == meta["facts"]
    assert (wh.stat().st_ino, wh.stat().st_mtime_ns) == (st.st_ino, st.st_mtime_ns)
    assert dashboard.stat().st_mtime_ns == dash
    assert {e.check_name: e.passed for e in again.get_asset_check_evaluations()} == checks  # the live build's
    staged = again.asset_materializations_for_node("staged_documents")[0].metadata
    assert (staged["cached"].value, staged["extracted"].value) == (1, 0)

    # a copy of a known document changes nothing the warehouse holds: still no run
    (raw / "copy").mkdir()
    shutil.copy(raw / hezheng.name, raw / "copy" / "h2.txt")
    assert isinstance(nightly(dg.build_schedule_context(instance=dg.DagsterInstance.ephemeral())), dg.SkipReason)
    # a document added: the schedule requests a run for these folders
    shutil.copy(pingxiang, raw / "copy" / "p.txt")
    tick = nightly(dg.build_schedule_context(instance=dg.DagsterInstance.ephemeral()))
    assert isinstance(tick, dg.RunRequest)
    assert tick.run_config["ops"]["warehouse"]["config"]["raw_dir"] == str(raw)
