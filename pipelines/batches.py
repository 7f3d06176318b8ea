"""Batches of documents: the unit of a Dagster extraction partition.

One document per partition made every run pay Dagster's fixed cost (~0.3 s in-process, ~3 s with a step
process) for ~0.3 s of work. A batch packs documents until it carries enough work to amortise a run:

* size budget: documents are added until their bytes reach ``CNBUDGET_BATCH_MB`` (default 40 MB: about 110 real
  department documents of ~350 KB, ~2,000 pages, ~30 s of one core's extraction at 55-70 pages per CPU second), or
  ``CNBUDGET_BATCH_DOCS`` documents (default 300: ~35 s of CPU for small forged documents). A run the daemon
  launches in a process of its own costs ~3 s of CPU before its work starts (imports, the code location): a batch
  must carry ~30 s of work for that to stay within 0.1 of it (bench/dagster_overhead.py; with 8 MB / 100 documents
  it was 0.24-0.28 once the extraction got faster). A batch stays a unit one Celery worker finishes in a few
  minutes. Bytes are what the sensor knows without opening a file (a page count would mean parsing untrusted PDFs
  in the daemon).
* grouping: by document id (the content hash), in order. Region and year are only known after extraction, and
  nothing may key on a file name or folder, so a batch is a slice of the new documents sorted by id: the same
  new documents always make the same batches.
* key: the first 16 hex digits of the SHA-256 of the members' sorted document ids (stable, content-derived).
* membership: ``<warehouse dir>/batches/<key>.json`` (beside ``staging/``; written atomically), read by the sensor
  (which documents are batched already) and by the partition's run (what to extract). A document is in at most
  one batch: only documents that are neither staged nor batched yet are packed.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from .extract import Discovered

DEFAULT_BATCH_MB = 40
DEFAULT_BATCH_DOCS = 300


def budget() -> tuple[int, int]:
    """(bytes, documents) per batch from CNBUDGET_BATCH_MB / CNBUDGET_BATCH_DOCS."""
    mb = float(os.environ.get("CNBUDGET_BATCH_MB") or DEFAULT_BATCH_MB)
    docs = int(os.environ.get("CNBUDGET_BATCH_DOCS") or DEFAULT_BATCH_DOCS)
    if mb <= 0 or docs <= 0:
        raise ValueError("CNBUDGET_BATCH_MB and CNBUDGET_BATCH_DOCS must be positive")
    return int(mb * 1024 * 1024), docs


def batches_dir(warehouse: Path) -> Path:
    return Path(warehouse).parent / "batches"


def batch_key(document_ids: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(document_ids)).encode()).hexdigest()[:16]


def plan(docs: Iterable[Discovered], max_bytes: int | None = None, max_docs: int | None = None) -> list[list[Discovered]]:
    """Pack documents (unique by id) into batches: sorted by document id, a batch closes when it reaches the byte
    budget or the document cap (a document larger than the budget is a batch of its own)."""
    b_bytes, b_docs = budget()
    max_bytes = b_bytes if max_bytes is None else max_bytes
    max_docs = b_docs if max_docs is None else max_docs
    unique = {d.document_id: d for d in docs}
    out, cur, size = [], [], 0
    for k in sorted(unique):
        d = unique[k]
        cur.append(d)
        size += d.size
        if size >= max_bytes or len(cur) >= max_docs:
            out.append(cur)
            cur, size = [], 0
    if cur:
        out.append(cur)
    return out


def record(warehouse: Path, members: list[Discovered]) -> str:
    """Write the membership of one batch (atomically) and return its key."""
    key = batch_key(d.document_id for d in members)
    folder = batches_dir(warehouse)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{key}.json"
    if not target.exists():
        rec = {"key": key, "documents": [{"document_id": d.document_id, "path": str(d.path), "sha256": d.sha256,
                                          "size": d.size, "file_type": d.file_type}
                                         for d in sorted(members, key=lambda d: d.document_id)]}
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(rec, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, target)
    return key


def members(warehouse: Path, key: str) -> list[Discovered]:
    """The documents of batch ``key`` as they were discovered (path, hash, size, type); FileNotFoundError when
    no such batch was recorded."""
    rec = json.loads((batches_dir(warehouse) / f"{key}.json").read_text(encoding="utf-8"))
    return [Discovered(Path(m["path"]), m["sha256"], m["size"], m["file_type"]) for m in rec["documents"]]


def recorded(warehouse: Path) -> dict[str, list[str]]:
    """Every recorded batch: key -> member document ids."""
    out = {}
    folder = batches_dir(warehouse)
    if not folder.is_dir():
        return out
    for p in sorted(folder.glob("*.json")):
        try:
            rec = json.loads(p.read_text(encoding="utf-8"))
            out[rec["key"]] = [m["document_id"] for m in rec["documents"]]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a damaged record: its documents are batched again (or extracted by the refresh)
    return out
