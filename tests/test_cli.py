"""The `cnbudget` CLI: sql is read-only and binds parameters; dq summarises; unreadable files are recorded."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()


def test_sql_json_with_bind_parameter(seed_warehouse):
    wh, _ = seed_warehouse
    r = runner.invoke(app, ["sql", "SELECT amount_wan FROM marts.budget_lines_all WHERE subject_code = ? "
                            "AND table_type = 'expenditure' AND measure = '合计'", "--param", "2080101",
                            "--warehouse", str(wh), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == [{"amount_wan": "1163.090000"}]


def test_sql_refuses_writes(seed_warehouse):
    wh, _ = seed_warehouse
    for stmt in ("DROP TABLE core.dim_document", "DELETE FROM core.fact_budget_amount",
                 "CREATE TABLE x AS SELECT 1", f"COPY (SELECT 1) TO '{wh.parent / 'leak.csv'}'",
                 "SELECT * FROM read_csv('/etc/passwd')", f"ATTACH '{wh.parent / 'other.duckdb'}' AS o",
                 "INSTALL httpfs", "LOAD httpfs", "SET enable_external_access = true"):
        r = runner.invoke(app, ["sql", stmt, "--warehouse", str(wh)])
        assert r.exit_code == 1, (stmt, r.output)
    assert not (wh.parent / "leak.csv").exists()
    r = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM core.dim_document", "--warehouse", str(wh),
                            "--format", "csv"])
    assert r.output.splitlines() == ["n", "2"]


def test_console_entry_keeps_output_and_exit_codes(seed_warehouse):
    """``cnbudget`` (pipelines.cli:main) ends the process without module teardown: what a command printed is all
    there, and its exit code is the command's (0; 1 for a refused statement; 2 for a usage error)."""
    import subprocess
    import sys

    wh, _ = seed_warehouse

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True,
                              timeout=120)

    ok = cli("sql", "SELECT amount_wan FROM marts.budget_lines_all WHERE subject_code = ? AND table_type = "
             "'expenditure' AND measure = '合计'", "--param", "2080101", "--warehouse", str(wh), "--format", "json")
    assert (ok.returncode, json.loads(ok.stdout)) == (0, [{"amount_wan": "1163.090000"}])
    refused = cli("sql", "DROP TABLE core.dim_document", "--warehouse", str(wh))
    assert refused.returncode == 1 and "query failed" in refused.stderr
    assert cli("no-such-command").returncode == 2


def test_dq_summary(seed_warehouse):
    wh, _ = seed_warehouse
    r = runner.invoke(app, ["dq", "--warehouse", str(wh), "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert "和政县,和政县人力资源和社会保障局,2024,budget,fail,4," in r.output
    assert "unit_block_sum" in r.output


def test_refresh_records_unreadable_files_and_loads_the_rest(tmp_path, pingxiang):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good.txt").write_bytes(pingxiang.read_bytes())
    (raw / "empty.pdf").write_bytes(b"")
    (raw / "latin1.txt").write_bytes("预算".encode("gb18030") + b"\xff\xfe")
    (raw / "sheet.xlsx").write_bytes(b"PK\x03\x04 not really")
    (raw / "copy_of_good.txt").write_bytes(pingxiang.read_bytes())
    wh = tmp_path / "wh" / "budget.duckdb"
    r = runner.invoke(app, ["refresh", "--raw", str(raw), "--warehouse", str(wh)])
    assert r.exit_code == 0, r.output
    import duckdb

    con = duckdb.connect(str(wh), read_only=True)
    errs = dict(con.execute("SELECT regexp_extract(source_path, '[^/]+$'), error_kind FROM marts.ingest_errors").fetchall())
    assert errs == {"empty.pdf": "empty_file", "latin1.txt": "not_text", "sheet.xlsx": "unsupported_type"}
    assert con.execute("SELECT count(*) FROM marts.documents").fetchone() == (1,)
    assert "duplicate" in r.output and "copy_of_good.txt" in r.output
    con.close()
