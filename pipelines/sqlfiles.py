"""SQL lives in files under sql/; values go in as bind parameters."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import duckdb

from .config import SQL_DIR


@functools.cache
def sql_text(name: str, layer: str) -> str:
    return (SQL_DIR / layer / name).read_text(encoding="utf-8")


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path, params: dict | None = None):
    text = path.read_text(encoding="utf-8")
    if params:
        con.execute(text, params)
    else:
        con.execute(text)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple] | list[list]):
    """Append rows to ``table`` (whose columns they follow in order) through one registered frame: executemany
    runs one statement per row (about a millisecond each)."""
    if not rows:
        return
    import polars as pl

    if not re.fullmatch(r"[a-z_]+\.[a-z_]+", table):
        raise ValueError(f"not a table name: {table!r}")
    cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]
    frame = pl.DataFrame([tuple(r) for r in rows], schema=cols, orient="row", infer_schema_length=None, strict=False)
    con.register("insert_rows_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM insert_rows_frame")
    finally:
        con.unregister("insert_rows_frame")


def documents_param(documents: list[str] | None) -> dict:
    """The bind parameters of a SQL file filtered to some documents (``$all OR list_contains($documents, …)``):
    every document (None), or these (an incremental build's)."""
    return {"all": documents is None, "documents": list(documents or [])}
