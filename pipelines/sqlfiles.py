"""SQL lives in files under sql/; values go in as bind parameters."""
from __future__ import annotations

import functools
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
