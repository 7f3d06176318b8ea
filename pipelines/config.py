"""Paths and environment: the one place that decides where things live."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = ROOT / "sql"
EXPECTATIONS_DIR = ROOT / "expectations"
RAW_DIR = Path(os.environ.get("CNBUDGET_RAW", ROOT / "data" / "raw"))
WAREHOUSE_DIR = Path(os.environ.get("CNBUDGET_WAREHOUSE_DIR", ROOT / "data" / "warehouse"))
WAREHOUSE = Path(os.environ.get("CNBUDGET_WAREHOUSE", WAREHOUSE_DIR / "budget.duckdb"))


def staging_dir(warehouse: Path) -> Path:
    return warehouse.parent / "staging"


def gx_dir(warehouse: Path) -> Path:
    return warehouse.parent / "gx"


def current_raw() -> Path:
    """The raw folder as the environment says now (sensors evaluate long after import)."""
    return Path(os.environ.get("CNBUDGET_RAW", ROOT / "data" / "raw"))


def current_warehouse() -> Path:
    return Path(os.environ.get("CNBUDGET_WAREHOUSE", WAREHOUSE_DIR / "budget.duckdb"))


def celery_urls() -> tuple[str, str]:
    """Broker and result backend of the dagster-celery executor and its workers (Redis on loopback by default;
    one URL each so that the executor and every worker agree)."""
    broker = os.environ.get("CNBUDGET_CELERY_BROKER", "redis://127.0.0.1:6379/0")
    return broker, os.environ.get("CNBUDGET_CELERY_BACKEND", broker)
