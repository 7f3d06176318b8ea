"""The data-quality dashboard: one self-contained HTML file (charts rendered to
inline SVG with Vega-Lite through altair + vl-convert, no script or network
needed to view it).

Sections: document status, coverage matrix (region × year × table type:
present / declared empty / missing), pass rate per rule and per county, the
trend of findings over runs, ingest errors, and the drill-down list of
findings naming the source page / line and linking to the GX Data Docs.
"""
from __future__ import annotations

import functools
import html
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from .display import visible

if TYPE_CHECKING:
    import pandas as pd

# pandas, jinja2, duckdb and the SQL are imported where a page is rendered: a refresh with nothing new keeps the
# page it has (render(only_if_stale=True)) without them

TEMPLATES = Path(__file__).with_name("templates")


def _df(con, name: str) -> pd.DataFrame:
    from .sqlfiles import sql_text

    return con.execute(sql_text(name, "dashboard")).df()


_WARM = threading.Lock()


@functools.lru_cache(maxsize=1)
def _template():
    """The page's compiled template (0.1 s to compile: done once per process, by warm() when it runs)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("dashboard.html.j2")


def warm() -> None:
    """Compile the page's template, import altair and render one tiny chart: vl-convert's first chart starts its
    JavaScript engine (about a second); every later chart takes milliseconds. The CLI refresh does it while the
    build waits for GX; charts() waits for a warm-up under way."""
    _template()
    with _WARM:
        import altair  # noqa: F401
        import vl_convert as vlc

        vlc.vegalite_to_svg({"data": {"values": [{"x": 1}]}, "mark": "bar",
                             "encoding": {"x": {"field": "x", "type": "quantitative"}}})


def _svg(chart) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict(validate=False))  # (the specs are this module's: validating them
    # against the Vega-Lite schema took a third of the charts' time)


COUNTY_CHART_MAX = 30


def charts(rules: pd.DataFrame, counties: pd.DataFrame, trend: pd.DataFrame) -> dict[str, str]:
    with _WARM:  # a warm-up under way (warm()) ends first
        import altair as alt  # here, not at import: a refresh with nothing new renders no chart
    out = {}
    r = rules.dropna(subset=["pass_rate"])
    if len(r):
        out["rules"] = _svg(alt.Chart(r).mark_bar().encode(
            x=alt.X("pass_rate:Q", title="pass rate (%)", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("rule:N", sort=None, title=None),
            color=alt.Color("family:N", title="family"),
            tooltip=["rule", "evaluated", "failed", "pass_rate"]).properties(width=420, height=16 * len(r)))
    if len(counties):
        # the counties with the most failing (then warning) documents: a bar per county of a national corpus
        # (2,800) would neither read nor render quickly (0.28 s for 101 counties); the table lists every county
        top = counties.sort_values(["fail", "warn", "county"], ascending=[False, False, True]).head(COUNTY_CHART_MAX)
        c = top.melt(id_vars=["county"], value_vars=["pass", "warn", "fail"], var_name="status", value_name="n")
        out["counties"] = _svg(alt.Chart(c).mark_bar().encode(
            x=alt.X("n:Q", title="documents"), y=alt.Y("county:N", title=None, sort=top["county"].tolist()),
            color=alt.Color("status:N", scale=alt.Scale(domain=["pass", "warn", "fail"],
                                                        range=["#2e7d32", "#f9a825", "#c62828"])),
        ).properties(width=420, height=max(40, 22 * top.shape[0]),
                     title=(f"the {len(top)} of {len(counties)} counties with the most failing documents"
                            if len(top) < len(counties) else "documents per county")))
    if len(trend):
        import pandas as pd

        t = trend.copy()
        t["finished_at"] = pd.to_datetime(t["finished_at"])
        out["trend"] = _svg(alt.Chart(t).mark_line(point=True).encode(
            x=alt.X("finished_at:T", title="run"), y=alt.Y("findings:Q", title="findings"),
            color=alt.Color("severity:N")).properties(width=520, height=180))
    return out


def coverage_matrix(cov: pd.DataFrame) -> tuple[list[tuple[str, str]], list[dict]]:
    """Rows: region × department × year; columns: (phase, table type), so a department-year's budget
    (预算) and final accounts (决算) sit side by side. (pandas numbers the groups and names their keys; the cells
    are filled in one pass over plain lists: a loop over the groups as frames took 0.3 s at 1,000 documents.)"""
    if cov.empty:
        return [], []
    cols = sorted({(p, t) for p, t in zip(cov["phase"], cov["table_type"])})
    keys = ["county", "region_code", "department", "fiscal_year"]
    groups = cov.groupby(keys, sort=True, dropna=False)
    names = groups.size().index.tolist()  # the group keys, in group-number order
    cells: list[dict] = [{} for _ in names]
    phases: list[set] = [set() for _ in names]
    for g, p, t, s_ in zip(groups.ngroup().tolist(), cov["phase"].tolist(), cov["table_type"].tolist(),
                           cov["status"].tolist()):
        cells[g][(p, t)] = s_
        phases[g].add(p)
    return cols, [{**dict(zip(keys, key_)), "cells": [st.get(c, "absent" if c[0] not in ph else "") for c in cols]}
                  for key_, st, ph in zip(names, cells, phases)]


def failures_file(warehouse: Path) -> Path:
    return warehouse.parent / "dq" / "run_failures.jsonl"


def record_run_failure(warehouse: Path, record: dict) -> None:
    """Append a failed run (from the Dagster run-failure sensor) where the dashboard reads it."""
    import json

    f = failures_file(warehouse)
    f.parent.mkdir(parents=True, exist_ok=True)
    rec = {"at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"), **record}
    with open(f, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def run_failures(warehouse: Path, last: int = 50) -> list[dict]:
    import json

    f = failures_file(warehouse)
    if not f.exists():
        return []
    lines = [ln for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return [json.loads(ln) for ln in lines[-last:]][::-1]


def render(warehouse: Path, out: Path | None = None, only_if_stale: bool = False) -> Path:
    """Write the dashboard from the warehouse's tables. ``only_if_stale``: keep a page written after the
    warehouse file was (a refresh with nothing new)."""
    out = out or warehouse.parent / "dq" / "dashboard.html"
    if only_if_stale and out.exists() and out.stat().st_mtime_ns >= warehouse.stat().st_mtime_ns:
        return out
    from .sqlfiles import sql_text
    from .warehouse import connect_readonly

    con = connect_readonly(warehouse)
    try:
        docs = _df(con, "documents.sql")
        cov = _df(con, "coverage.sql")
        rules = _df(con, "rules.sql")
        counties = _df(con, "counties.sql")
        trend = _df(con, "trend.sql")
        findings = _df(con, "findings.sql")
        errors = _df(con, "ingest_errors.sql")
        superseded = con.execute(sql_text("superseded.sql", "dashboard")).fetchone()
        run = con.execute("SELECT run_id, finished_at, data_docs FROM dq.runs ORDER BY finished_at DESC LIMIT 1").fetchone()
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    types, matrix = coverage_matrix(cov)
    data_docs = run[2] if run else None
    page = _template().render(
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), run=run, warehouse=str(warehouse),
        docs=docs.to_dict("records"), types=types, matrix=matrix, rules=rules.to_dict("records"),
        counties=counties.to_dict("records"), findings=findings.to_dict("records"),
        errors=errors.to_dict("records"), charts=charts(rules, counties, trend), data_docs=data_docs,
        failures=run_failures(warehouse),
        n_findings=len(findings), superseded=superseded, fmt=_fmt)
    out.write_text(page, encoding="utf-8")
    return out


def _fmt(v) -> Markup:
    """A value of the warehouse (document text) for the page: HTML-escaped once, control characters shown."""
    import pandas as pd

    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return Markup("")
    return Markup(html.escape(visible(v)))
