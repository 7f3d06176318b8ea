"""The data-quality dashboard renders in a real browser (headless Chromium) with the seed findings on it."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pipelines.dashboard import render

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "chromium not installed: `make test` installs it through tools/ensure-browser.sh"
    return exe


def test_dashboard_in_headless_chromium(seed_warehouse, tmp_path):
    wh, _ = seed_warehouse
    page = render(wh, tmp_path / "dashboard.html")
    profile = tmp_path / "profile"
    dom = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    # documents with their gate status
    assert "平乡县人力资源和社会保障局" in dom and "和政县人力资源和社会保障局" in dom
    assert '<tr class="fail"><td>和政县</td>' in dom and '<tr class="warn"><td>平乡县</td>' in dom
    # coverage matrix: Pingxiang declares 政府性基金, 国有资本经营, 三公 and procurement tables empty
    assert dom.count('class="declared_empty">∅</td>') == 4
    assert 'class="missing"' not in dom.split('id="coverage"')[1].split('id="rules"')[0].replace(
        '<span class="missing">', "")
    # charts rendered as inline SVG (each in place of the placeholder the page was laid out with); findings
    # drill-down names rule, values and the source line
    assert dom.count("<svg") >= 3 and "cnbudget-chart" not in dom
    assert "unit_block_sum" in dom and "15522.48" in dom and "line 14" in dom
    assert "narrative_vs_table" in dom and "部门全年预算数" in dom
    assert 'id="data-docs"' in dom
    # a screenshot kept as a build artifact
    shot = ROOT / "data" / "warehouse" / "dq" / "dashboard-test.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1400,2400",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 50_000


def test_dashboard_with_seeds_and_real_pdfs(tmp_path, pingxiang, hezheng):
    """The dashboard with the seed documents and the 16 real Jiangsu PDFs loaded, rendered in Chromium."""
    from pipelines.refresh import refresh

    raw = tmp_path / "raw"
    raw.mkdir()
    for p in (pingxiang, hezheng):
        (raw / p.name).write_bytes(p.read_bytes())
    real = ROOT.parent / "shared" / "real" / "jiangsu"
    pdfs = sorted(real.rglob("*.pdf"))
    assert len(pdfs) == 16
    for i, p in enumerate(pdfs):
        (raw / f"{i:02d}_{p.name}").write_bytes(p.read_bytes())
    wh = tmp_path / "wh" / "budget.duckdb"
    stats = refresh(raw, wh)
    assert stats["documents"] == 18
    page = render(wh, tmp_path / "dashboard.html")
    dom = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    for dept in ("江苏省委办公厅", "江苏省人大常委会办公厅", "江苏省政协办公厅", "平乡县人力资源和社会保障局"):
        assert dept in dom
    assert "<td>320000</td>" in dom  # province-level documents carry the province code
    assert dom.count("<svg") >= 3 and 'id="findings"' in dom


def _chart_rows(wh: Path):
    """The rows of the dashboard's three charts (rules, counties, trend) in the warehouse ``wh``."""
    from pipelines import dashboard
    from pipelines.warehouse import connect_readonly

    con = connect_readonly(wh)
    try:
        return tuple(dashboard._rows(con, q) for q in ("rules.sql", "counties.sql", "trend.sql"))
    finally:
        con.close()


def _altair_specs(rules, counties, trend) -> dict:
    """The page's three charts written with altair (as pipelines/dashboard.py wrote them until it wrote the dicts
    itself, to keep altair's import out of the refresh's process)."""
    import altair as alt

    from pipelines.dashboard import COUNTY_CHART_MAX, _values

    r = [x for x in rules if x["pass_rate"] is not None]
    top = sorted(counties, key=lambda c: (-c["fail"], -c["warn"], c["county"]))[:COUNTY_CHART_MAX]
    long = [{"county": c["county"], "status": s, "n": c[s]} for s in ("pass", "warn", "fail") for c in top]
    return {
        "rules": alt.Chart(alt.Data(values=_values(r, ["family", "rule", "evaluated", "failed", "pass_rate"])))
        .mark_bar().encode(
            x=alt.X("pass_rate:Q", title="pass rate (%)", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("rule:N", sort=None, title=None), color=alt.Color("family:N", title="family"),
            tooltip=["rule:N", "evaluated:Q", "failed:Q", "pass_rate:Q"]).properties(width=420, height=16 * len(r)),
        "counties": alt.Chart(alt.Data(values=_values(long, ["county", "status", "n"]))).mark_bar().encode(
            x=alt.X("n:Q", title="documents"), y=alt.Y("county:N", title=None, sort=[c["county"] for c in top]),
            color=alt.Color("status:N", scale=alt.Scale(domain=["pass", "warn", "fail"],
                                                        range=["#2e7d32", "#f9a825", "#c62828"])),
        ).properties(width=420, height=max(40, 22 * len(top)),
                     title=(f"the {len(top)} of {len(counties)} counties with the most failing documents"
                            if len(top) < len(counties) else "documents per county")),
        "trend": alt.Chart(alt.Data(values=_values(trend, ["run_id", "finished_at", "documents", "severity",
                                                           "findings"]))).mark_line(point=True).encode(
            x=alt.X("finished_at:T", title="run"), y=alt.Y("findings:Q", title="findings"),
            color=alt.Color("severity:N")).properties(width=520, height=180),
    }


def test_chart_specs_are_the_specs_altair_writes(seed_warehouse):
    """The dashboard writes its charts' Vega-Lite specs as plain dicts: for the seed warehouse's rows (two counties,
    平乡县 passing and 和政县 failing; a rule no document could evaluate has no bar) and for 31 counties (the chart
    keeps the 30 with the most failing documents, and says so), they are the specs altair writes, valid ones."""
    from pipelines import dashboard

    rules, counties, trend = _chart_rows(seed_warehouse[0])
    assert {c["county"] for c in counties} == {"平乡县", "和政县"}
    many = [{"county": f"县{i:02d}", "pass": i % 3, "warn": i % 2, "fail": i % 5} for i in range(31)]
    for rows in ((rules, counties, trend), (rules, many, trend)):
        ours = dashboard.chart_specs(*rows)
        theirs = _altair_specs(*rows)
        assert sorted(ours) == ["counties", "rules", "trend"]
        for name, chart in theirs.items():
            assert ours[name] == chart.to_dict(validate=True), name
    assert dashboard.chart_specs(rules, many, trend)["counties"]["title"] == (
        "the 30 of 31 counties with the most failing documents")
    # 39 rules, 12 of which no seed document gives anything to evaluate (final_completion_rate: no 决算 among them)
    assert len(rules) == 39 and {r["rule"] for r in rules if r["pass_rate"] is None} >= {"final_completion_rate"}
    bars = dashboard.chart_specs(rules, counties, trend)["rules"]["data"]["values"]
    assert len(bars) == 27 and "final_completion_rate" not in {b["rule"] for b in bars}


def test_chart_process_renders_the_charts_vl_convert_renders_here_and_ends(seed_warehouse):
    """The CLI's chart process (vl-convert in a child: its first chart holds the GIL for a second) gives the same
    SVG as vl-convert in this process, for the seed warehouse's three charts, and ends when stopped."""
    import os
    import time

    import vl_convert as vlc

    from pipelines import dashboard

    rules, counties, trend = _chart_rows(seed_warehouse[0])
    here = dashboard.charts(rules, counties, trend)
    assert sorted(here) == ["counties", "rules", "trend"]
    dashboard.start_chart_process()
    proc = dashboard._CHARTS.proc
    try:
        sent = []  # (spec, what the process answered: None if it could not render it)
        real_svg = dashboard._CHARTS.svg

        def svg(spec):
            sent.append((spec, real_svg(spec)))
            return sent[-1][1]

        dashboard._CHARTS.svg = svg
        there = dashboard.charts(rules, counties, trend)
    finally:
        dashboard.stop_chart_process()
    assert [out is not None for _, out in sent] == [True, True, True]
    assert there == here and [out for _, out in sent] == [here["rules"], here["counties"], here["trend"]]
    assert there["counties"] == vlc.vegalite_to_svg(sent[1][0])
    assert "和政县" in there["counties"] and "平乡县" in there["counties"]
    deadline = time.monotonic() + 10
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() == 0 and dashboard._CHARTS is None
    assert not os.path.exists(f"/proc/{proc.pid}/cmdline")


def test_render_hands_its_charts_to_the_chart_process_and_the_page_is_the_same(seed_warehouse, tmp_path):
    """With a chart process (the CLI's), render() hands it the page's three charts (from a thread, while it queries the
    rest of the page), and the page is the one rendered without it (every chart SVG the same)."""
    import re

    from pipelines import dashboard

    wh, _ = seed_warehouse
    here = render(wh, tmp_path / "here.html").read_text(encoding="utf-8")
    dashboard.start_chart_process()
    try:
        sent = []
        real_svg = dashboard._CHARTS.svg

        def svg(spec):
            sent.append(real_svg(spec))
            return sent[-1]

        dashboard._CHARTS.svg = svg
        there = render(wh, tmp_path / "there.html").read_text(encoding="utf-8")
    finally:
        dashboard.stop_chart_process()
    assert len(sent) == 3 and all(s and s.startswith("<svg") for s in sent)
    assert all(s in there for s in sent)

    def svgs(page):
        return re.findall(r"<svg.*?</svg>", page, flags=re.S)

    assert len(svgs(here)) >= 3 and svgs(here) == svgs(there)
    assert "cnbudget-chart" not in here + there  # (every placeholder replaced)


def test_charts_begun_on_the_builds_connection_give_the_page_of_the_published_warehouse(tmp_path, pingxiang, hezheng):
    """The CLI refresh begins the page's charts on the build's connection once the new warehouse is written
    (``on_built``: dashboard.begin_charts), before it is swapped in; the page rendered with them is the page rendered
    from the published warehouse alone — the same charts, tables and findings (the seeds' 和政县 fails)."""
    import re

    from pipelines import dashboard
    from pipelines.refresh import refresh

    raw = tmp_path / "raw"
    raw.mkdir()
    for p in (pingxiang, hezheng):
        (raw / p.name).write_bytes(p.read_bytes())
    wh = tmp_path / "wh" / "budget.duckdb"
    got = []

    def on_built(con):
        assert not wh.exists()  # (the first build: nothing published yet)
        got.append(dashboard.begin_charts(con))

    refresh(raw, wh, on_built=on_built)
    assert len(got) == 1 and list(got[0].pending.specs) == ["rules", "counties", "trend"]
    early = dashboard.render(wh, tmp_path / "early.html", early=got[0]).read_text(encoding="utf-8")
    late = dashboard.render(wh, tmp_path / "late.html").read_text(encoding="utf-8")

    def without_clock(page):  # (the minute the page was generated)
        return re.sub(r"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", "", page)

    assert len(re.findall(r"<svg", early)) >= 3 and "cnbudget-chart" not in early
    assert without_clock(early) == without_clock(late)
    assert '<tr class="fail"><td>和政县</td>' in early
    stats = refresh(raw, wh, on_built=got.append)  # nothing new: nothing built, not called
    assert stats["unchanged"] and len(got) == 1
