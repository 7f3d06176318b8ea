"""The OCR settings (vocab/ocr.csv), apart from :mod:`pipelines.readers.ocr`: the build records them
(core.ref_ocr_setting) without importing numpy and OpenCV."""
from __future__ import annotations

import csv
import functools
from pathlib import Path

VOCAB = Path(__file__).resolve().parents[2] / "vocab" / "ocr.csv"


@functools.lru_cache(maxsize=1)
def settings() -> dict[str, float]:
    """vocab/ocr.csv: setting,value,note."""
    with open(VOCAB, encoding="utf-8") as fh:
        return {r["setting"]: float(r["value"]) for r in csv.DictReader(fh) if r["setting"] and not r["setting"].startswith("#")}


def confidence_floor() -> float:
    return settings()["confidence_floor"]
