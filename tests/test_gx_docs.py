"""GX keeps the validation results (and Data Docs pages) of the last builds only: the Data Docs index lists every
stored result, and a nightly refresh would otherwise grow it — and the time to build it — without end."""
from __future__ import annotations

import shutil

from pipelines.checks import gx_checkpoint, load_rules, prune_validation_results
from pipelines.config import gx_dir


def test_old_validation_results_and_their_pages_go(seed_warehouse, tmp_path):
    root = tmp_path / "gx"
    shutil.copytree(gx_dir(seed_warehouse[0]), root)
    base = root / "gx" / "uncommitted"
    suites = sorted(p for p in (base / "validations").glob("*/*/*") if p.is_dir())
    # one suite per family, each validated once by the seed build
    assert [s.relative_to(base / "validations").parts[1] for s in suites] == [
        "arithmetic", "completeness", "cross_table", "dimensions", "narrative", "ocr", "parse", "performance", "text"]
    runs = {s: sorted(s.iterdir()) for s in suites}
    assert all(len(r) == 1 for r in runs.values())
    # three older builds of every suite, their results and pages as GX stores them
    older = ["20200101T000000.000001Z", "20200102T000000.000001Z", "20200103T000000.000001Z"]
    for s, (current,) in runs.items():
        page = base / "data_docs" / "local_site" / current.relative_to(base)
        assert page.is_dir()
        for t in older:
            shutil.copytree(current, s / t)
            shutil.copytree(page, page.parent / t)
    assert prune_validation_results(root, keep=2) == 2 * len(suites)
    for s, (current,) in runs.items():
        assert sorted(p.name for p in s.iterdir()) == [older[-1], current.name]
        pages = base / "data_docs" / "local_site" / s.relative_to(base)
        assert sorted(p.name for p in pages.iterdir()) == [older[-1], current.name]
    # the index built afterwards lists what is kept, not what went
    ctx, _ = gx_checkpoint(load_rules(), root)
    ctx.build_data_docs()
    index = (base / "data_docs" / "local_site" / "index.html").read_text(encoding="utf-8")
    assert "20200103T000000.000001Z" in index
    assert "20200101T000000.000001Z" not in index and "20200102T000000.000001Z" not in index
    assert prune_validation_results(root, keep=2) == 0


def test_gx_process_of_a_cli_refresh_gives_the_findings_gx_gives_in_process(tmp_path, versions):
    """A CLI refresh with documents to extract validates in the GX process it starts ahead of its build (a fresh
    interpreter: GX not imported yet) and has it build the Data Docs after answering; the findings are those of
    GX run in-process (a full build of the same staged documents in this test's process) and the Data Docs index
    lists this run's result of every suite before the command returns."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import duckdb

    from pipelines.config import staging_dir
    from pipelines.refresh import refresh

    root = Path(__file__).resolve().parents[1]
    raw = tmp_path / "raw"
    raw.mkdir()
    for p in sorted((root / "data" / "raw" / "forged").glob("forged_430225_2021_*.pdf")):
        shutil.copy(p, raw / p.name)
    (raw / "planted.pdf").write_bytes(versions[0])  # one 项's basic expenditure +1.00 (conftest.versions)
    wh = tmp_path / "cli" / "budget.duckdb"
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", "refresh", "--raw", str(raw), "--warehouse", str(wh)],
                         cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    base = gx_dir(wh) / "gx" / "uncommitted"
    results = sorted(p.relative_to(base).with_suffix(".html") for p in (base / "validations").glob("*/*/*/*/*.json"))
    assert len(results) == 9  # one per suite: this run's
    index = (base / "data_docs" / "local_site" / "index.html").read_text(encoding="utf-8")
    for r in results:
        assert (base / "data_docs" / "local_site" / r).is_file()
        assert r.as_posix() in index

    other = tmp_path / "inproc" / "budget.duckdb"
    other.parent.mkdir()
    shutil.copytree(staging_dir(wh), staging_dir(other))
    stats = refresh(raw, other, full=True)
    assert stats["extracted"] == 0

    def findings(path):
        con = duckdb.connect(str(path), read_only=True)
        try:
            return sorted(con.execute("SELECT finding_id, rule, document_id, severity, expected, actual, cells "
                                      "FROM dq.findings").fetchall())
        finally:
            con.close()

    got = findings(wh)
    assert got == findings(other)
    con = duckdb.connect(str(wh), read_only=True)
    planted = con.execute("SELECT document_id FROM core.dim_document WHERE source_path LIKE '%planted.pdf'").fetchone()[0]
    # the run records where its Data Docs are (the dashboard links them)
    assert con.execute("SELECT data_docs FROM dq.runs").fetchone()[0] == (
        base / "data_docs" / "local_site" / "index.html").as_uri()
    con.close()
    # the planted cell breaks its row (基本支出 + 项目支出 = 合计) and its 款's roll-up, nothing else is an error
    assert sorted(r[1:3] for r in got if r[3] == "error") == [("rollup_kuan_xiang", planted), ("row_components", planted)]
