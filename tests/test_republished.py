"""A republished (corrected) document supersedes the earlier version, which stays queryable as history.

The first publication carries a planted error (one 项 basic-expenditure cell +1.00 in 部门预算支出总表, which
the row_components rule finds); the corrected document then replaces it, in place or beside it."""
from __future__ import annotations

import os

import duckdb

from pipelines.refresh import refresh


def _docs(wh):
    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute("SELECT document_id, version, versions, is_current, superseded_by, dq_errors "
                       "FROM marts.documents ORDER BY version").fetchall()
    lines = dict(con.execute("SELECT 'current', count(DISTINCT document_id) FROM marts.budget_lines UNION ALL "
                             "SELECT 'history', count(DISTINCT document_id) FROM marts.budget_lines_history")
                 .fetchall())
    rules = {r[0]: r[1] for r in con.execute(
        "SELECT document_id, list(DISTINCT rule ORDER BY rule) FROM dq.findings WHERE severity = 'error' "
        "GROUP BY 1").fetchall()}
    total = con.execute("SELECT sum(amount_wan) FROM marts.budget_lines WHERE table_type = 'expenditure' "
                        "AND subject_level = '类' AND measure = '合计'").fetchone()[0]
    con.close()
    return rows, lines, rules, total


def test_republished_in_place_supersedes_and_keeps_history(tmp_path, versions):
    v1, v2, fb = versions
    raw = tmp_path / "raw"
    raw.mkdir()
    wh = tmp_path / "wh" / "budget.duckdb"
    doc = raw / "budget.pdf"
    doc.write_bytes(v1)
    os.utime(doc, (1_700_000_000, 1_700_000_000))
    refresh(raw, wh)
    rows, lines, rules, _ = _docs(wh)
    assert len(rows) == 1 and rows[0][1:5] == (1, 1, True, None)
    first = rows[0][0]
    assert "row_components" in rules[first]
    # the published figures stay in budget_lines with their warning: the planted cell carries the finding's id
    assert lines == {"current": 1, "history": 1}
    con = duckdb.connect(str(wh), read_only=True)
    flagged = con.execute("SELECT DISTINCT b.subject_code, b.measure FROM marts.budget_lines b, unnest(b.finding_ids) "
                          "AS u(fid) JOIN dq.findings f ON f.finding_id = u.fid WHERE f.rule = 'row_components'"
                          ).fetchall()
    con.close()
    # the planted 项 row: its 合计 and the 基本支出 cell that no longer adds up carry the finding
    assert len({code for code, _ in flagged}) == 1 and {m for _, m in flagged} >= {"基本支出", "合计"}, flagged

    doc.write_bytes(v2)  # the department publishes the corrected document at the same address
    os.utime(doc, (1_700_086_400, 1_700_086_400))
    stats = refresh(raw, wh)
    assert stats["extracted"] == 1 and not stats["unchanged"]
    rows, lines, rules, total = _docs(wh)
    second = rows[1][0]
    assert rows == [(first, 1, 2, False, second, rows[0][5]), (second, 2, 2, True, None, 0)]
    assert rows[0][5] > 0 and second not in rules  # the earlier version keeps its findings; the new has none
    assert lines == {"current": 1, "history": 2}
    # the analyst's total is the corrected document's, counted once: 类 合计 of 支出总表 = 支出总计 as forged
    assert total == sum(v["基本支出"] + v["项目支出"] for v in fb.lines.values())

    # nothing changed since: no rebuild, history still there
    again = refresh(raw, wh)
    assert again["unchanged"] and _docs(wh)[0] == rows

    # a broken third publication at the same address: an ingest error, and the corrected version stays current
    doc.write_bytes(v2[: len(v2) // 3])
    os.utime(doc, (1_700_172_800, 1_700_172_800))
    broken = refresh(raw, wh)
    assert [e["path"] for e in broken["errors"]] == [str(doc)]
    assert _docs(wh)[0] == rows
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT source_path FROM marts.ingest_errors").fetchall() == [(str(doc),)]
    con.close()


def test_republished_beside_the_original_newest_is_current(tmp_path, versions):
    v1, v2, _ = versions
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "budget.pdf").write_bytes(v2)
    (raw / "budget_old.pdf").write_bytes(v1)
    os.utime(raw / "budget_old.pdf", (1_700_000_000, 1_700_000_000))
    os.utime(raw / "budget.pdf", (1_700_086_400, 1_700_086_400))
    wh = tmp_path / "wh" / "budget.duckdb"
    refresh(raw, wh)
    rows, lines, _, _ = _docs(wh)
    assert [r[1:5] for r in rows] == [(1, 2, False, rows[1][0]), (2, 2, True, None)]
    assert rows[1][5] == 0 and rows[0][5] > 0  # the current one is the corrected one
    assert lines == {"current": 1, "history": 2}
