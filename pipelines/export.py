"""`cnbudget export`: the marts as files an analyst opens elsewhere, with exact decimals.

* Parquet: DECIMAL(20,6) stays DECIMAL (read through Arrow, written by pyarrow); ``pl.read_parquet`` and DuckDB
  read it back as the same decimals.
* CSV: UTF-8, decimals written as their exact text (never through a float); ``bom=True`` writes the UTF-8
  byte-order mark Excel needs to show Chinese.
* xlsx (openpyxl): one sheet per view; decimals are written as numbers with a six-decimal format — a spreadsheet
  holds IEEE doubles, exact for the 15 significant digits of these amounts; the Parquet and CSV files keep them exact.

The warehouse is opened read-only; views are named, never pasted into SQL: a name must be one of the marts views
(listed from duckdb_views()) and is quoted as an identifier.
"""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import duckdb

FORMATS = ("parquet", "csv", "xlsx")


def mart_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts' AND NOT internal ORDER BY view_name").fetchall()]


def _query(con, view: str):
    return con.execute('SELECT * FROM marts."' + view.replace('"', '""') + '"')


def export(warehouse: Path, out: Path, fmt: str, views: list[str] | None = None, bom: bool = False) -> list[Path]:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        known = mart_views(con)
        views = list(views or known)
        unknown = [v for v in views if v not in known]
        if unknown:
            raise ValueError(f"not a marts view: {', '.join(unknown)} (views: {', '.join(known)})")
        out.mkdir(parents=True, exist_ok=True)
        written = []
        if fmt == "xlsx":
            written.append(_xlsx(con, views, out / "marts.xlsx"))
        for v in views if fmt != "xlsx" else ():
            path = out / f"{v}.{fmt}"
            if fmt == "parquet":
                import pyarrow.parquet as pq

                pq.write_table(con.sql('SELECT * FROM marts."' + v.replace('"', '""') + '"').to_arrow_table(), path)
            else:
                cur = _query(con, v)
                cols = [d[0] for d in cur.description]
                with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
                    w = csv.writer(fh)
                    w.writerow(cols)
                    while batch := cur.fetchmany(10_000):
                        w.writerows([_text(x) for x in r] for r in batch)
            written.append(path)
        return written
    finally:
        con.close()


def _text(x):
    if x is None:
        return ""
    if isinstance(x, Decimal):
        return format(x, "f")
    return x


def _xlsx(con, views: list[str], path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for v in views:
        ws = wb.create_sheet(title=v[:31])
        cur = _query(con, v)
        ws.append([d[0] for d in cur.description])
        while batch := cur.fetchmany(10_000):
            for r in batch:
                ws.append([_cell(x) for x in r])
    wb.save(path)
    return path


def _cell(x):
    if isinstance(x, Decimal):
        return x  # openpyxl writes a Decimal as a number
    if isinstance(x, (list, dict, tuple)):
        return str(x)
    if hasattr(x, "tzinfo") and getattr(x, "tzinfo", None) is not None:
        return x.replace(tzinfo=None)
    return x
