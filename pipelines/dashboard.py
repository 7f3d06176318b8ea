"""The data-quality dashboard: one self-contained HTML file (charts rendered to
inline SVG: Vega-Lite specs rendered by vl-convert, no script or network
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
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from markupsafe import Markup

from .display import visible

# jinja2, duckdb and the SQL are imported where a page is rendered: a refresh with nothing new keeps the
# page it has (render(only_if_stale=True)) without them. The page reads its queries' rows as plain dicts: the
# refresh's process never imports pandas (with pyarrow, 0.4 s of CPU: a tenth of a small refresh's). The charts'
# Vega-Lite specs are written here as the plain dicts altair would give (tests/test_dashboard.py compares them with
# altair's): altair's import and its first chart cost the refresh's process 0.42-0.45 s of CPU on a slow machine.

TEMPLATES = Path(__file__).with_name("templates")

Rows = list[dict]


def _rows(con, name: str) -> Rows:
    """The rows of the dashboard query ``name`` (sql/dashboard/), each a dict by column name."""
    from .sqlfiles import records, sql_text

    return records(con.execute(sql_text(name, "dashboard")))


@functools.lru_cache(maxsize=1)
def _template():
    """The page's compiled template (0.1 s to compile: done once per process, by warm() when it runs)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("dashboard.html.j2")


_TINY = {"data": {"values": [{"x": 1}]}, "mark": "bar", "encoding": {"x": {"field": "x", "type": "quantitative"}}}


def warm(charts_too: bool = False) -> None:
    """Compile the page's template (the CLI refresh does it in a thread while the build waits for GX);
    ``charts_too``: render one tiny chart here as well (vl-convert's first chart starts its JavaScript engine: about
    a second, holding the GIL — the CLI has its chart process do it instead, :func:`start_chart_process`)."""
    _template()
    if charts_too:
        import vl_convert as vlc

        vlc.vegalite_to_svg(_TINY)


# ---------------------------------------------------------------- the chart process
# vl-convert holds the GIL while it renders, its first chart (the JavaScript engine starting) for about a second: in
# the refresh's own process that second would stall the thread waiting for GX's answer. The CLI refresh starts a
# process that imports vl-convert and renders a tiny chart while the build waits for GX; the page's charts are then
# rendered there. It ends with the refresh (stop_chart_process; die_with_parent if the refresh is killed).
_CHARTS: "ChartProcess | None" = None


class ChartProcess:
    def __init__(self):
        import multiprocessing.connection as mpc
        import os
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, "-c", "from pipelines.dashboard import chart_process_main; "
                                      "chart_process_main()", str(os.getpid())],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.tx = mpc.Connection(os.dup(self.proc.stdin.fileno()), readable=False)
        self.rx = mpc.Connection(os.dup(self.proc.stdout.fileno()), writable=False)
        self.proc.stdin.close()
        self.proc.stdout.close()

    def svg(self, spec: dict) -> str | None:
        """The chart as SVG; None when the process could not render it (the caller renders it itself)."""
        try:
            self.tx.send(spec)
            status, value = self.rx.recv()
        except (EOFError, OSError, ValueError):
            return None
        return value if status == "ok" else None

    def stop(self, timeout: float = 5) -> None:
        for c in (self.tx, self.rx):
            try:
                c.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=timeout)
        except Exception:  # noqa: BLE001
            self.proc.kill()
            self.proc.wait()


def chart_process_main() -> None:
    """The chart process (``python -c "…chart_process_main()" PARENT_PID``): vl-convert warmed with a tiny chart,
    then a Vega-Lite spec in, ("ok", SVG) or ("error", why) out, until its input ends."""
    import os
    import sys

    from .childproc import child_pipes

    conn_in, conn_out = child_pipes()
    try:
        import vl_convert as vlc

        vlc.vegalite_to_svg(_TINY)
        while True:
            spec = conn_in.recv()
            try:
                out = ("ok", vlc.vegalite_to_svg(spec))
            except Exception as e:  # noqa: BLE001 - the page renders that chart in its own process
                out = ("error", f"{type(e).__name__}: {e}")
            conn_out.send(out)
    except (EOFError, OSError, KeyboardInterrupt, ImportError):
        pass
    finally:
        sys.stderr.flush()
        os._exit(0)


def start_chart_process() -> None:
    """Start the chart process (from the thread that renders the page: see die_with_parent); once per process."""
    global _CHARTS
    if _CHARTS is None:
        try:
            _CHARTS = ChartProcess()
        except OSError:
            _CHARTS = None


def stop_chart_process() -> None:
    global _CHARTS
    w, _CHARTS = _CHARTS, None
    if w is not None:
        w.stop()


class _Pending:
    """Charts on their way to SVG: a thread hands them one by one, as they are added, to the chart process when there
    is one (which renders them while this process queries and lays out the rest of the page; one at a time, so that
    neither side can block on a full pipe); :meth:`svgs` waits for them, and renders here what the process could
    not."""

    def __init__(self, specs: dict[str, dict] | None = None):
        import queue

        self.specs: dict[str, dict] = {}
        self.got: dict[str, str] = {}
        self.proc, self.thread = _CHARTS, None
        self.todo: "queue.SimpleQueue[tuple[str, dict] | None]" = queue.SimpleQueue()
        for name, spec in (specs or {}).items():
            self.add(name, spec)

    def add(self, name: str, spec: dict | None) -> None:
        """Chart ``name`` (nothing when ``spec`` is None: no data for it)."""
        if spec is None:
            return
        self.specs[name] = spec
        if self.proc is None:
            return
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="cnbudget-charts", daemon=True)
            self.thread.start()
        self.todo.put((name, spec))

    def _run(self):
        while True:
            item = self.todo.get()
            if item is None:
                return
            out = self.proc.svg(item[1])
            if out is None:
                return  # (the rest here)
            self.got[item[0]] = out

    def _join(self) -> None:
        if self.thread is not None:
            self.todo.put(None)
            self.thread.join()

    def slots(self) -> dict[str, Markup]:
        """Per chart, the placeholder the page is laid out with (:meth:`svgs` has what replaces it)."""
        import secrets

        nonce = secrets.token_hex(8)
        return {name: Markup(f"<!--cnbudget-chart {name} {nonce}-->") for name in self.specs}

    def svgs(self) -> dict[str, str]:
        self._join()
        for name, spec in self.specs.items():
            if self.got.get(name) is None:  # no chart process, or it could not render it: here
                import vl_convert as vlc

                self.got[name] = vlc.vegalite_to_svg(spec)
        return {name: self.got[name] for name in self.specs}

    def discard(self) -> None:
        """The page failed: the charts under way are finished and dropped (the process may render again)."""
        self._join()


COUNTY_CHART_MAX = 30


def charts(rules: Rows, counties: Rows, trend: Rows) -> dict[str, str]:
    """The page's charts as SVG (in the chart process when there is one)."""
    return _Pending(chart_specs(rules, counties, trend)).svgs()


def chart_specs(rules: Rows, counties: Rows, trend: Rows) -> dict[str, dict]:
    """The page's charts as Vega-Lite specs (the dicts altair's ``to_dict(validate=False)`` gives for them; not
    validated against the Vega-Lite schema: the specs are this module's); a chart without data is left out."""
    out = {"rules": rules_chart(rules), "counties": counties_chart(counties), "trend": trend_chart(trend)}
    return {k: v for k, v in out.items() if v is not None}


# the Vega-Lite version of the specs: altair 6.3's (tests/test_dashboard.py checks the specs against altair's)
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"


def _spec(values: list[dict], mark: dict, encoding: dict, **props) -> dict:
    """A one-layer chart as altair writes it: inline data, a mark, its encoding, then its properties."""
    return {"config": {"view": {"continuousWidth": 300, "continuousHeight": 300}}, "data": {"values": values},
            "mark": mark, "encoding": encoding, **props, "$schema": VEGA_LITE_SCHEMA}


def _field(name: str, kind: str, **props) -> dict:
    return {"field": name, **props, "type": kind}


def _values(rows: Rows, columns: list[str]) -> list[dict]:
    """A chart's inline data: ``columns`` of ``rows`` as JSON values (numbers as floats, times in ISO 8601)."""
    def v(x):
        if isinstance(x, Decimal):
            return float(x)
        if isinstance(x, (datetime, date)):
            return x.isoformat()
        return x

    return [{c: v(r[c]) for c in columns} for r in rows]


def rules_chart(rules: Rows) -> dict | None:
    """Pass rate per rule."""
    r = [x for x in rules if x["pass_rate"] is not None]
    if not r:
        return None
    return _spec(_values(r, ["family", "rule", "evaluated", "failed", "pass_rate"]), {"type": "bar"}, {
        "color": _field("family", "nominal", title="family"),
        "tooltip": [_field("rule", "nominal"), _field("evaluated", "quantitative"), _field("failed", "quantitative"),
                    _field("pass_rate", "quantitative")],
        "x": _field("pass_rate", "quantitative", scale={"domain": [0, 100]}, title="pass rate (%)"),
        "y": _field("rule", "nominal", sort=None, title=None)}, height=16 * len(r), width=420)


def counties_chart(counties: Rows) -> dict | None:
    """Documents per county and status: the counties with the most failing (then warning) documents — a bar per
    county of a national corpus (2,800) would neither read nor render quickly (0.28 s for 101 counties); the table
    lists every county."""
    if not counties:
        return None
    top = sorted(counties, key=lambda c: (-c["fail"], -c["warn"], c["county"]))[:COUNTY_CHART_MAX]
    long = [{"county": c["county"], "status": status, "n": c[status]} for status in ("pass", "warn", "fail") for c in top]
    return _spec(_values(long, ["county", "status", "n"]), {"type": "bar"}, {
        "color": _field("status", "nominal", scale={"domain": ["pass", "warn", "fail"],
                                                    "range": ["#2e7d32", "#f9a825", "#c62828"]}),
        "x": _field("n", "quantitative", title="documents"),
        "y": _field("county", "nominal", sort=[c["county"] for c in top], title=None)},
        height=max(40, 22 * len(top)),
        title=(f"the {len(top)} of {len(counties)} counties with the most failing documents"
               if len(top) < len(counties) else "documents per county"), width=420)


def trend_chart(trend: Rows) -> dict | None:
    """Findings per run and severity."""
    if not trend:
        return None
    return _spec(_values(trend, ["run_id", "finished_at", "documents", "severity", "findings"]),
                 {"type": "line", "point": True}, {
                     "color": _field("severity", "nominal"),
                     "x": _field("finished_at", "temporal", title="run"),
                     "y": _field("findings", "quantitative", title="findings")}, height=180, width=520)


def coverage_matrix(cov: Rows) -> tuple[list[tuple[str, str]], list[dict]]:
    """Rows: region × department × year; columns: (phase, table type), so a department-year's budget
    (预算) and final accounts (决算) sit side by side. Rows in key order, a missing key part last."""
    if not cov:
        return [], []
    cols = sorted({(r["phase"], r["table_type"]) for r in cov})
    keys = ["county", "region_code", "department", "fiscal_year"]
    cells: dict[tuple, dict] = {}
    phases: dict[tuple, set] = {}
    for r in cov:
        key_ = tuple(r[k] for k in keys)
        cells.setdefault(key_, {})[(r["phase"], r["table_type"])] = r["status"]
        phases.setdefault(key_, set()).add(r["phase"])
    order = sorted(cells, key=lambda k: tuple((v is None, v if v is not None else 0) for v in k))
    return cols, [{**dict(zip(keys, key_)), "cells": [cells[key_].get(c, "absent" if c[0] not in phases[key_] else "")
                                                      for c in cols]} for key_ in order]


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


def begin_charts(con) -> "EarlyCharts":
    """The page's charts, each handed to the chart process as soon as its data is read from ``con``: by
    :func:`render` on the published warehouse, or earlier by the CLI refresh on the build's own connection once every
    table of the new warehouse is written (``on_built``; what it reads is what is published), so that the chart
    process renders them while the build flushes and swaps the file in (:func:`render` with ``early``)."""
    pending = _Pending()
    try:
        rules = _rows(con, "rules.sql")
        pending.add("rules", rules_chart(rules))
        counties = _rows(con, "counties.sql")
        pending.add("counties", counties_chart(counties))
        pending.add("trend", trend_chart(_rows(con, "trend.sql")))
    except BaseException:
        pending.discard()
        raise
    return EarlyCharts(pending, rules, counties)


class EarlyCharts:
    """What :func:`begin_charts` read (the rules' and counties' rows, which the page's tables show too) and the
    charts under way (:class:`_Pending`)."""

    def __init__(self, pending: "_Pending", rules: Rows, counties: Rows):
        self.pending, self.rules, self.counties = pending, rules, counties

    def discard(self) -> None:
        self.pending.discard()


def render(warehouse: Path, out: Path | None = None, only_if_stale: bool = False,
           early: EarlyCharts | None = None) -> Path:
    """Write the dashboard from the warehouse's tables. ``only_if_stale``: keep a page written after the
    warehouse file was (a refresh with nothing new). ``early``: the charts begun on the build's connection of this
    very warehouse (:func:`begin_charts`)."""
    out = out or warehouse.parent / "dq" / "dashboard.html"
    if only_if_stale and out.exists() and out.stat().st_mtime_ns >= warehouse.stat().st_mtime_ns:
        if early is not None:
            early.discard()
        return out
    from .sqlfiles import sql_text
    from .warehouse import connect_readonly

    try:
        con = connect_readonly(warehouse)
    except BaseException:
        if early is not None:
            early.discard()
        raise
    try:
        # the charts first: the chart process renders them while the rest of the page is queried and laid out
        charts = early if early is not None else begin_charts(con)
        pending, rules, counties = charts.pending, charts.rules, charts.counties
        try:
            docs = _rows(con, "documents.sql")
            cov = _rows(con, "coverage.sql")
            findings = _rows(con, "findings.sql")
            errors = _rows(con, "ingest_errors.sql")
            superseded = con.execute(sql_text("superseded.sql", "dashboard")).fetchone()
            run = con.execute("SELECT run_id, finished_at, data_docs FROM dq.runs ORDER BY finished_at DESC LIMIT 1").fetchone()
            types, matrix = coverage_matrix(cov)
        except BaseException:
            pending.discard()
            raise
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    data_docs = run[2] if run else None
    # the page is laid out while the chart process still renders: each chart is a placeholder (an HTML comment with
    # a nonce: the page's text is escaped, no document can print one) replaced by its SVG once that has come
    try:
        slots = pending.slots()
        page = _template().render(
            generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), run=run, warehouse=str(warehouse),
            docs=docs, types=types, matrix=matrix, rules=rules, counties=counties, findings=findings,
            errors=errors, charts=slots, data_docs=data_docs,
            failures=run_failures(warehouse),
            n_findings=len(findings), superseded=superseded, fmt=_fmt)
    except BaseException:
        pending.discard()
        raise
    for name, svg in pending.svgs().items():
        page = page.replace(slots[name], svg, 1)
    out.write_text(page, encoding="utf-8")
    return out


def _fmt(v) -> Markup:
    """A value of the warehouse (document text) for the page: HTML-escaped once, control characters shown; an exact
    decimal without its trailing zeros."""
    if v is None or (isinstance(v, float) and v != v):
        return Markup("")
    if isinstance(v, Decimal):
        v = format(v.normalize(), "f")
    return Markup(html.escape(visible(v)))
