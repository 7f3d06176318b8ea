"""The Dagster code location: the graph, the schedule, and one in-process materialisation."""
from __future__ import annotations

import duckdb
import dagster as dg

from pipelines.definitions import (RefreshConfig, defs, dq_dashboard, marts, raw_documents, staged_documents,
                                  warehouse)


def test_graph_and_schedule():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {"raw_documents", "staged_documents", "warehouse", "marts", "dq_dashboard", "document"}
    # raw_documents: where each document is now (source_path), staged_documents: what was read
    assert graph.get(dg.AssetKey("warehouse")).parent_keys == {dg.AssetKey("staged_documents"),
                                                                dg.AssetKey("raw_documents")}
    sched = defs.resolve_schedule_def("nightly_refresh")
    assert (sched.cron_schedule, sched.execution_timezone) == ("0 2 * * *", "Asia/Shanghai")
    checks = {c.name for c in graph.get_checks_for_asset(dg.AssetKey("warehouse"))} if hasattr(
        graph, "get_checks_for_asset") else {s.name for s in warehouse.check_specs}
    assert {"gx_arithmetic", "gx_cross_table", "gx_narrative", "gx_performance", "gx_completeness",
            "gx_dimensions", "gx_parse"} <= checks


def test_materialize_in_process(tmp_path, hezheng):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / hezheng.name).write_bytes(hezheng.read_bytes())
    wh = tmp_path / "wh" / "budget.duckdb"
    cfg = RefreshConfig(raw_dir=str(raw), warehouse=str(wh))
    run_config = dg.RunConfig({k: cfg for k in ("raw_documents", "staged_documents", "warehouse", "marts",
                                                "dq_dashboard")})
    res = dg.materialize([raw_documents, staged_documents, warehouse, marts, dq_dashboard], run_config=run_config,
                         instance=dg.DagsterInstance.ephemeral())
    assert res.success
    checks = {e.check_name: e.passed for e in res.get_asset_check_evaluations()}
    # Hezheng's unit budget blocks do not add up (a published discrepancy): the arithmetic suite fails
    assert checks["gx_arithmetic"] is False
    assert checks["gx_cross_table"] is True
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.projects").fetchone() == (12,)
    assert con.execute("SELECT source_path FROM marts.documents").fetchall() == [(str(raw / hezheng.name),)]
    con.close()
    assert (wh.parent / "dq" / "dashboard.html").exists()
