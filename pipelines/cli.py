"""`cnbudget` command line: refresh, sql, dq, score, forge, subjects, render-samples."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .config import RAW_DIR, WAREHOUSE
from .display import markup_safe as _m
from .display import plain, visible

app = typer.Typer(add_completion=False, help="cnbudget: Chinese department budgets into a DuckDB warehouse.")
console = Console()
err = Console(stderr=True)


@app.command()
def refresh(raw: Path = typer.Option(RAW_DIR, "--raw", help="folder of documents to ingest"),
            warehouse: Path = typer.Option(WAREHOUSE, "--warehouse", help="DuckDB file to (re)build"),
            force: bool = typer.Option(False, "--force", help="re-extract documents already staged (and rebuild in full)"),
            full: bool = typer.Option(False, "--full", help="rebuild every row of the warehouse from the staged "
                                      "documents (default: incremental, only new, changed and removed documents)")):
    """Extract every document under RAW, build the warehouse, run the checks, swap it in."""
    from . import gxproc

    # GX's import (seconds) starts now, on the other core, before this process has even imported its readers; a
    # refresh that turns out to build nothing kills it (pipelines/gxproc.py). While the build waits for its answer,
    # the dashboard's chart process starts if the last extracted document has not started it already (vl-convert's
    # first chart costs about a second of CPU, and holds the GIL meanwhile: not in this process) and this process
    # compiles the page's template.
    gxproc.start()
    gxproc.while_waiting(_start_charts, inline=True)
    gxproc.while_waiting(_warm_dashboard)
    from .childproc import stop_forkserver

    try:
        _head_start(raw, warehouse, force)
        _refresh_command(raw, warehouse, force, full)
    finally:
        stop_forkserver()
        gxproc.discard()
        _stop_charts()


def _head_start(raw: Path, warehouse: Path, force: bool) -> None:
    """When the raw folder has probably changed since the last refresh (pipelines/lookahead.py), the extraction fork
    server starts now, importing its readers on the other core while this process imports the refresh and hashes
    the raw folder; the refresh stops it if discovery finds nothing to extract."""
    from .childproc import start_forkserver
    from .config import staging_dir
    from .limits import Limits
    from .lookahead import likely_new

    try:
        isolate = Limits.from_env().isolate
    except Exception:  # noqa: BLE001 - a bad setting: the refresh reports it
        return
    if isolate and (force or likely_new(raw, staging_dir(warehouse))):
        start_forkserver()


def _start_charts():
    from .dashboard import start_chart_process

    start_chart_process()


def _stop_charts():
    if "pipelines.dashboard" in sys.modules:
        from .dashboard import stop_chart_process

        stop_chart_process()


def _warm_dashboard():
    from .dashboard import warm

    warm()


def _refresh_command(raw: Path, warehouse: Path, force: bool, full: bool) -> None:
    import logging

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    from .refresh import StagingError, WarehouseInRaw
    from .refresh import refresh as run
    from .warehouse import RefreshBusy

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[current]}"), console=err, transient=False) as prog:
        task = prog.add_task("extract", total=None, current="")

        ocr_pages = [0]

        extracted = [0]

        def cb(i, n, r):
            ocr_pages[0] += r.get("ocr_pages") or 0
            extracted[0] += r.get("status") == "extracted"
            ocr = f" · OCR pages {ocr_pages[0]}" if ocr_pages[0] else ""
            prog.update(task, total=n, completed=i, current=_m(Path(r["path"]).name[:50]) + ocr)
            if i == n and extracted[0]:
                # the last document is read and a build follows: the chart process warms up now (vl-convert's first
                # chart, ~0.7 s of CPU), on the core the build leaves idle until its checks (the GX process waits),
                # so that it is ready when the dashboard hands it the page's charts
                _start_charts()

        dashboard: dict[str, Path] = {}
        early: dict = {}

        def on_built(con):  # the new warehouse written, not yet flushed and swapped in: its charts begin rendering
            from .dashboard import begin_charts

            try:
                early["charts"] = begin_charts(con)
            except Exception:  # noqa: BLE001 - the page is rendered without a head start (and reports the failure)
                logging.getLogger(__name__).debug("the dashboard's charts could not begin early", exc_info=True)

        def after_build(stats: dict):  # under the refresh lock, while the GX process builds the Data Docs
            from .dashboard import render

            dashboard["path"] = render(warehouse, only_if_stale=stats.get("unchanged", False),
                                       early=early.pop("charts", None))

        try:
            stats = run(raw, warehouse, force=force, full=full, progress=cb, after_build=after_build, on_built=on_built)
        except RefreshBusy as e:
            err.print(f"[red]refused:[/red] {_m(e)}")
            raise typer.Exit(3)
        except (FileNotFoundError, WarehouseInRaw) as e:
            err.print(f"[red]error:[/red] {_m(e)}", soft_wrap=True)
            raise typer.Exit(2)
        except StagingError as e:
            err.print(f"[red]stopped, the warehouse is unchanged:[/red] {_m(e.strerror or e)}")
            raise typer.Exit(4)
        finally:
            if "charts" in early:  # begun, and the build failed after: dropped
                early.pop("charts").discard()
    t = Table(title=plain(f"cnbudget refresh — {stats['warehouse']}"), show_header=False)
    if stats.get("unchanged"):
        t.add_row("nothing new", "no document changed since the last build: the warehouse is unchanged")
    t.add_row("documents loaded", str(stats["documents"]))
    t.add_row("extracted / cached", f"{stats['extracted']} / {stats['cached']}")
    t.add_row("documents with errors", str(stats["ingest_errors"]))
    t.add_row("duplicates skipped", str(len(stats["duplicates"])))
    t.add_row("tables", str(stats["tables"]))
    t.add_row("facts", f"{stats['facts']} (budget {stats['budget_facts']}, targets {stats['target_facts']}, "
                       f"projects {stats['projects']})")
    t.add_row("findings", f"error {stats['findings_error']}, warn {stats['findings_warn']} (current documents; "
                          f"{stats['superseded_documents']} superseded left out: error "
                          f"{stats['findings_error_superseded']}, warn {stats['findings_warn_superseded']})")
    t.add_row("GX Data Docs", plain(stats["dq"]["data_docs"]))
    t.add_row("dashboard", plain(dashboard["path"]))
    if not stats.get("unchanged"):
        t.add_row("build", f"{stats['mode']}: {stats['documents_loaded']} document(s) loaded, "
                           f"{stats['documents_removed']} removed")
    t.add_row("seconds (build+checks)", str(stats["seconds"]))
    console.print(t)
    for e in stats["errors"]:
        console.print(f"[red]could not read[/red] {_m(e['path'])}: {_m(e.get('error'))}", soft_wrap=True)
    for a, b in stats["duplicates"]:
        console.print(f"[yellow]duplicate[/yellow] {_m(a)} has the same content as {_m(b)}; loaded once",
                      soft_wrap=True)


@app.command()
def sql(query: str = typer.Argument(..., help="a read-only SQL query"),
        warehouse: Path = typer.Option(WAREHOUSE, "--warehouse"),
        fmt: str = typer.Option("table", "--format", help="table | csv | json"),
        param: list[str] = typer.Option([], "--param", "-p", help="bind parameter value ($1, $2 … or ?)")):
    """Run a query on the warehouse, opened read-only."""
    from .warehouse import connect_readonly

    try:
        con = connect_readonly(warehouse)
    except FileNotFoundError as e:
        err.print(f"[red]error:[/red] {_m(e)}")
        raise typer.Exit(2)
    try:
        cur = con.execute(query, param or None)
    except Exception as e:  # duckdb raises its own error types for read-only violations etc.
        err.print(f"[red]query failed:[/red] {_m(e)}")
        raise typer.Exit(1)
    cols = [d[0] for d in cur.description] if cur.description else []
    rows = cur.fetchall()
    _print_rows(cols, rows, fmt)


def _print_rows(cols, rows, fmt):
    if fmt == "csv":
        import csv

        w = csv.writer(sys.stdout)
        w.writerow(cols)
        w.writerows(rows)
    elif fmt == "json":
        print(json.dumps([dict(zip(cols, r)) for r in rows], ensure_ascii=False, default=str, indent=1))
    else:
        from rich.table import Column

        # values are document text: shown as they are, never read as markup or control codes
        text = [[visible("" if v is None else v) for v in r] for r in rows]
        # a number is never cut or wrapped: a numeric column is as wide as its widest value; text columns wrap
        num = [bool(text) and all(_is_number(r[j]) for r in text if r[j]) for j in range(len(cols))]
        widths = [max([len(str(c))] + [len(r[j]) for r in text]) for j, c in enumerate(cols)]
        t = Table(*[Column(_m(c), no_wrap=num[j], min_width=widths[j] if num[j] else None,
                           justify="right" if num[j] else "left", overflow="fold") for j, c in enumerate(cols)])
        for r in text:
            t.add_row(*[plain(v) for v in r])
        wide = Console(width=max(console.width, sum(w + 3 for w, n in zip(widths, num) if n) + 4 * len(cols)))
        wide.print(t)


def _is_number(s: str) -> bool:
    from decimal import Decimal, InvalidOperation

    try:
        Decimal(s)
        return True
    except (InvalidOperation, ValueError):
        return False


@app.command()
def export(out: Path = typer.Option(..., "--out", help="folder to write the files into"),
           fmt: str = typer.Option("parquet", "--format", help="parquet | csv | xlsx"),
           views: list[str] = typer.Option([], "--views", help="marts views to export (repeatable; default all)"),
           bom: bool = typer.Option(False, "--bom", help="CSV: write a UTF-8 byte-order mark (Excel shows the Chinese)"),
           warehouse: Path = typer.Option(WAREHOUSE, "--warehouse")):
    """Write marts views to Parquet (DECIMAL kept), CSV (exact decimal text; --bom for Excel) or one xlsx workbook."""
    from .export import export as run

    if not warehouse.exists():
        err.print(f"[red]error:[/red] no warehouse at {_m(warehouse)}: run `cnbudget refresh` first")
        raise typer.Exit(2)
    try:
        paths = run(warehouse, out, fmt, [v for x in views for v in x.split(",") if v] or None, bom=bom)
    except ValueError as e:
        err.print(f"[red]error:[/red] {_m(e)}")
        raise typer.Exit(2)
    for p in paths:
        console.print(f"wrote {_m(p)}", soft_wrap=True)


@app.command()
def dictionary(warehouse: Path = typer.Option(WAREHOUSE, "--warehouse"),
               readme: Path = typer.Option(None, "--readme", help="rewrite the contract section of this README "
                                                                  "(between its contract markers)")):
    """Print the analyst contract (views, columns, allowed values) as Markdown, from the warehouse's comments
    and marts.dictionary; --readme writes it into the README between its markers."""
    from .contract import markdown, replace_section
    from .warehouse import connect_readonly

    con = connect_readonly(warehouse)
    md = markdown(con)
    if readme:
        readme.write_text(replace_section(readme.read_text(encoding="utf-8"), md), encoding="utf-8")
        console.print(f"contract written into {_m(readme)}", soft_wrap=True)
    else:
        print(md)


@app.command()
def dq(warehouse: Path = typer.Option(WAREHOUSE, "--warehouse"),
       fmt: str = typer.Option("table", "--format", help="table | csv | json"),
       details: bool = typer.Option(False, "--details", help="list every finding"),
       html_: bool = typer.Option(False, "--html", help="write the HTML dashboard under the warehouse folder"),
       out: Path = typer.Option(None, "--out", help="dashboard file (default <warehouse dir>/dq/dashboard.html)")):
    """Summarise data-quality findings: per document status, then per rule; --html writes the dashboard."""
    from .sqlfiles import sql_text
    from .warehouse import connect_readonly

    if html_:
        from .dashboard import render

        path = render(warehouse, out)
        console.print(plain(f"dashboard written to {path}"), soft_wrap=True)
        return
    con = connect_readonly(warehouse)
    for name in ("dq_documents.sql", "dq_rules.sql") + (("dq_details.sql",) if details else ()):
        cur = con.execute(sql_text(name, "marts_io"))
        _print_rows([d[0] for d in cur.description], cur.fetchall(), fmt)


SCORE_RAW = Path("../shared/real")


@app.command()
def score(raw: Path = typer.Option(SCORE_RAW, "--raw", help="folder of documents to score (read recursively)"),
          warehouse: Path = typer.Option(None, "--warehouse",
                                         help="scratch warehouse (default data/warehouse/score/<folder>/budget.duckdb)"),
          truth: Path = typer.Option(None, "--truth", help="hand-checked metadata CSV (sha256, department, "
                                                            "region_code, fiscal_year, …)"),
          out: Path = typer.Option(None, "--json", help="write the scoreboard as JSON here "
                                                        "(default <warehouse dir>/score.json)"),
          against: Path = typer.Option(None, "--compare", help="an earlier scoreboard JSON: print what changed"),
          no_refresh: bool = typer.Option(False, "--no-refresh", help="score the warehouse as it is"),
          quiet: bool = typer.Option(False, "--quiet", help="totals only, no per-document table")):
    """Corpus scoreboard: per document its kind, standard tables present vs read, facts, unknown headers,
    parse errors, reconciliation passed / failed; corpus totals at the end."""
    import hashlib
    import logging

    from . import score as sc
    from .config import WAREHOUSE_DIR

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    if warehouse is None:
        tag = raw.resolve().name + "-" + hashlib.sha256(str(raw.resolve()).encode()).hexdigest()[:8]
        warehouse = WAREHOUSE_DIR / "score" / tag / "budget.duckdb"
    if not no_refresh:
        from .refresh import refresh as run

        warehouse.parent.mkdir(parents=True, exist_ok=True)
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as prog:
            task = prog.add_task("extract", total=None)
            run(raw, warehouse, progress=lambda i, n, r: prog.update(task, total=n, completed=i))
    res = sc.compute(warehouse, sc.load_truth(truth) if truth else None)
    if not quiet:
        t = Table("document", "kind", "department", "region", "year", "std read/present", "facts", "unknown hdr",
                  "parse err", "recon ok/failed", title=plain(f"cnbudget score — {raw}"))
        for d in res.documents:
            tr = d.get("truth") or {}
            mark = lambda k: "" if not tr else ("" if tr.get(k) else " ✗")  # noqa: E731
            t.add_row(*map(plain, (
                Path(d["source_path"]).name[:40], d.get("kind") or "", (d["department"] or "")[:22] + mark("department"),
                (d["region_code"] or "") + mark("region"), str(d["fiscal_year"] or "") + mark("year"),
                f"{d['types_read']}/{d['types_present']}", str(d["budget_facts"] + d["target_facts"]),
                str(d["unknown_headers"]), str(d["parse_errors"]), f"{d['recon_passed']}/{d['recon_failed']}")))
        console.print(t)
        for e in res.ingest_errors:
            console.print(f"[red]not read[/red] {_m(e['source_path'])}: {_m(e['error_kind'])}: {_m(e['error'])}",
                          soft_wrap=True)
    tt = Table("total", "value", title="corpus totals", show_header=False)
    for k, v in res.totals.items():
        tt.add_row(plain(k), plain(v))
    console.print(tt)
    out = out or warehouse.parent / "score.json"
    out.write_text(json.dumps(res.to_json(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    console.print(plain(f"scoreboard written to {out}"), soft_wrap=True)
    if against:
        diff = sc.compare(json.loads(against.read_text(encoding="utf-8")), res.to_json())
        ct = Table("total", "before", "after", title=plain(f"against {against}"))
        for k, (a, b) in diff["totals"].items():
            ct.add_row(plain(k), plain(a), plain(str(b) + ("" if a == b else " *")))
        console.print(ct)
        for w in diff["worse"]:
            console.print(f"[red]worse[/red] {_m(w['source_path'])}: {_m(', '.join(w['changes']))}", soft_wrap=True)
        for g in diff["better"]:
            console.print(f"[green]better[/green] {_m(g['source_path'])}: {_m(', '.join(g['changes']))}", soft_wrap=True)


@app.command()
def forge(counties: int = typer.Option(3, "--counties"), years: int = typer.Option(2, "--years"),
          out: Path = typer.Option(..., "--out"), departments: int = typer.Option(2, "--departments"),
          seed: int = typer.Option(7, "--seed"), start_year: int = typer.Option(2021, "--start-year"),
          fmt: str = typer.Option("pdf", "--format", help="pdf | txt"),
          finals: bool = typer.Option(True, "--finals/--no-finals", help="also forge 决算 for the budgets"),
          truth: Path = typer.Option(None, "--truth", help="folder for the ground-truth files (default: --out)")):
    """Forge a synthetic multi-county, multi-year corpus that reconciles, with ground truth per document."""
    from .forge import forge as run

    paths = run(out, counties=counties, years=years, departments=departments, seed=seed, start_year=start_year,
                fmt=fmt, finals=finals, truth=truth)
    console.print(plain(f"forged {len(paths)} documents (+ .truth.json each) in {out}"), soft_wrap=True)


@app.command()
def subjects(raw: list[Path] = typer.Option([], "--raw", help="a folder of documents to read (repeatable)"),
             warehouse: list[Path] = typer.Option([], "--warehouse",
                                                  help="an already built warehouse to read (repeatable)"),
             out: Path = typer.Option(Path("vocab/subjects.csv"), "--out", help="the dictionary file to write"),
             work: Path = typer.Option(None, "--work", help="folder for the scratch warehouses of --raw (kept, "
                                                            "so a second run reuses their extraction)")):
    """Build the subject dictionary (政府收支分类科目) from the code + name pairs the documents print."""
    from collections import Counter

    from .subjects import build_from_raw, build_from_warehouses, write_csv

    if not raw and not warehouse:
        err.print("[red]error:[/red] give at least one --raw folder or --warehouse file")
        raise typer.Exit(2)
    for p in list(raw) + list(warehouse):
        if not p.exists():
            err.print(f"[red]error:[/red] {_m(p)} does not exist")
            raise typer.Exit(2)
    built = [(w, None) for w in warehouse]
    rows = build_from_raw(list(raw), work, extra=built) if raw else build_from_warehouses(built)
    write_csv(rows, out)
    by = Counter((r["classification"], r["level"]) for r in rows if r["status"] == "preferred")
    console.print(plain(f"wrote {len(rows)} names of {sum(by.values())} codes to {out}: "
                        + ", ".join(f"{c} {lv} {n}" for (c, lv), n in sorted(by.items()))
                        + f"; {sum(r['conflict'] == 'true' for r in rows)} names in conflict"), soft_wrap=True)


@app.command("render-samples")
def render_samples(seeds: Path = typer.Option(Path("../shared/seeds"), "--seeds"),
                   out: Path = typer.Option(RAW_DIR, "--out")):
    """Render the seed documents into ruled PDFs (the bundled sample corpus)."""
    from .pdfgen import render_seed_corpus

    for p in render_seed_corpus(seeds, out):
        console.print(plain(f"wrote {p}"))


def main() -> None:
    """The console script ``cnbudget`` and ``python -m pipelines.cli``: the command, then the process ends without
    tearing its modules down (DuckDB, polars, pandas, pyarrow: 0.1-0.25 s on this machine, which every command paid
    after its work was done). Every file a command writes is closed when it returns; standard output and error are
    flushed here. An exception other than an exit propagates as usual (traceback, normal interpreter exit)."""
    import os

    try:
        app()
        code = 0
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
