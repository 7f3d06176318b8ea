"""The whole refresh as plain functions: used by the CLI and by the Dagster assets."""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from .config import staging_dir
from .extract import Discovered, discover, extract_one, staged_path
from .warehouse import build, refresh_lock


def load_manifest(raw_dir: Path) -> dict[str, dict]:
    """Optional ``manifest.json`` in the raw folder: {relative path: {field: value}}
    overriding metadata read from the document (county, region_code, fiscal_year …).
    Paths must stay inside the raw folder."""
    mf = raw_dir / "manifest.json"
    if not mf.exists():
        return {}
    data = json.loads(mf.read_text(encoding="utf-8"))
    out = {}
    root = raw_dir.resolve()
    for rel, meta in data.items():
        p = (raw_dir / rel).resolve()
        if root not in p.parents:
            raise ValueError(f"manifest path escapes the raw folder: {rel!r}")
        out[str(p)] = meta
    return out


def staged_dirs_for(docs: list[Discovered], staging: Path) -> list[Path]:
    return [staged_path(staging, d) for d in docs]


def refresh(raw_dir: Path, warehouse: Path, *, force: bool = False,
            progress: Callable[[int, int, dict], None] | None = None) -> dict:
    raw_dir, warehouse = Path(raw_dir), Path(warehouse)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder {raw_dir} does not exist")
    with refresh_lock(warehouse):
        staging = staging_dir(warehouse)
        staging.mkdir(parents=True, exist_ok=True)
        manifest = load_manifest(raw_dir)
        docs = [d for d in discover(raw_dir) if d.path.name != "manifest.json"]
        # the same bytes twice under two names are one document
        seen: dict[str, Discovered] = {}
        duplicates = []
        for d in docs:
            if d.sha256 in seen:
                duplicates.append((d, seen[d.sha256]))
            else:
                seen[d.sha256] = d
        unique = list(seen.values())
        results = []
        for i, d in enumerate(unique, 1):
            r = extract_one(d, staging, manifest.get(str(d.path.resolve())), force=force)
            results.append(r)
            if progress:
                progress(i, len(unique), r)
        stats = build(staged_dirs_for(unique, staging), warehouse, run_id=uuid.uuid4().hex[:12])
        stats["extracted"] = sum(r["status"] == "extracted" for r in results)
        stats["cached"] = sum(r["status"] == "cached" for r in results)
        stats["errors"] = [r for r in results if r["status"] == "error" or r.get("error")]
        stats["duplicates"] = [(str(a.path), str(b.path)) for a, b in duplicates]
        return stats
