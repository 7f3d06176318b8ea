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
    """Every statement of a SQL file; ``params``: named bind parameters, each statement given those it reads (DuckDB
    binds parameters of a single statement only)."""
    text = path.read_text(encoding="utf-8")
    if not params:
        con.execute(text)
        return
    statements = con.extract_statements(text)
    if len(statements) == 1:
        con.execute(text, params)
        return
    for st in statements:
        if st.named_parameters:
            con.execute(st, {k: params[k] for k in st.named_parameters})
        else:
            con.execute(st)


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
    register_frame(con, "insert_rows_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM insert_rows_frame")
    finally:
        con.unregister("insert_rows_frame")


def records(cur) -> list[dict]:
    """The rows of an executed query (a cursor or connection after ``execute``), each a dict by column name."""
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def documents_param(documents: list[str] | None) -> dict:
    """The bind parameters of a SQL file filtered to some documents (``$all OR document_id IN (SELECT
    unnest(CAST($documents AS VARCHAR[])))``: a semi-join; ``list_contains`` per row costs twice the scan): every
    document (None), or these (a chunk's, an incremental build's)."""
    return {"all": documents is None, "documents": list(documents or [])}


class _ArrowStream:
    """A Polars frame as an Arrow PyCapsule stream (a new stream each time DuckDB asks for one)."""

    def __init__(self, frame):
        import polars as pl

        # an all-null column (dtype Null) goes out as Arrow's null type, which has no validity bitmap and DuckDB's
        # stream reader refuses: as text it is the same nulls, cast to the column's type on insert
        nulls = [c for c, t in frame.schema.items() if t == pl.Null]
        self.frame = frame.with_columns(pl.col(nulls).cast(pl.String)) if nulls else frame

    def __arrow_c_stream__(self, requested_schema=None):
        return self.frame.__arrow_c_stream__(requested_schema)


def register_frame(con: duckdb.DuckDBPyConnection, name: str, frame) -> None:
    """``con.register`` of a Polars frame through the Arrow C stream interface: DuckDB's own Polars path converts
    with ``to_arrow``, which imports pyarrow and numpy (0.2-0.3 s a process, most of a small incremental build's
    Python work)."""
    con.register(name, _ArrowStream(frame))


def frame_of(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None):
    """A query's rows as a Polars frame, through the Arrow C stream interface (no pyarrow)."""
    import polars as pl

    return pl.DataFrame(con.sql(sql, params=params))
