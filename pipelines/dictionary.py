"""The analyst contract's reference data, registered into the warehouse before the marts are built.

Everything here is read from the vocabulary and the registry, never typed twice:

* ``core.ref_measure`` — per table type and canonical measure its ``kind`` (money / percent / quantity) and unit,
  from ``vocab/measures.csv`` (marts.budget_lines puts money in ``amount_wan`` only);
* ``core.ref_figure`` — the headline figures of marts.department_totals and where each is read
  (``vocab/headline_figures.csv``);
* ``core.ref_three_public_item`` — every row or column name printed in a "三公" table (or a 三公 column of a
  机关运行经费 table) mapped to its canonical item and parent (``vocab/measures.csv`` three_public spellings,
  ``vocab/three_public_items.csv``, and the registry's row identities of three_public for the nesting);
* ``core.ref_dictionary`` — every allowed value of the coded mart columns (marts.dictionary).
"""
from __future__ import annotations

import duckdb

from .sqlfiles import insert_rows, sql_text
from .registry import BY_TYPE, REGISTRY, header_key, vocab_rows

THREE_PUBLIC = "three_public"  # the registry type whose row identities nest the 三公 items
# table types whose columns may be 三公 items (the items are measures of these types in vocab/measures.csv)
THREE_PUBLIC_KINDS = ("three_public",)


def three_public_tree() -> dict[str, tuple[str | None, int]]:
    """item -> (parent item, level) from the registry's row identities of the 三公 table (合计 is level 0)."""
    comps = dict(BY_TYPE[THREE_PUBLIC].components)
    parent: dict[str, str] = {p: total for total, parts in comps.items() for p in parts}
    out: dict[str, tuple[str | None, int]] = {}
    for m in BY_TYPE[THREE_PUBLIC].measures:
        if m.name not in parent and m.name not in comps:
            continue  # a funds column (一般公共预算财政拨款 …): not an item
        level, p = 0, parent.get(m.name)
        while p is not None:
            level, p = level + 1, parent.get(p)
        out[m.name] = (parent.get(m.name), level)
    return out


def three_public_item(table_type: str, printed: str | None) -> str | None:
    """The canonical 三公 item a printed row or column name stands for, else None (matched after header_key)."""
    if not printed:
        return None
    k = header_key(printed)
    for r in vocab_rows("three_public_items.csv"):
        if r["table_type"].strip() == table_type and header_key(r["spelling"]) == k:
            return r["item"].strip()
    tree = three_public_tree()
    for m in BY_TYPE[THREE_PUBLIC].measures:
        if m.name in tree and k in m.labels:
            return m.name
    return None


def register(con: duckdb.DuckDBPyConnection, static: bool = True):
    """The reference tables of the marts. ``static=False`` (an incremental build, same code and vocabulary as the
    previous build) refreshes only the one that depends on the documents (core.ref_three_public_item)."""
    if not static:
        _register_three_public_items(con)
        return

    con.execute("CREATE OR REPLACE TABLE core.ref_measure (table_type VARCHAR, measure VARCHAR, kind VARCHAR, "
                "unit VARCHAR, PRIMARY KEY (table_type, measure))")
    rows = [(t.type, m.name, m.kind, m.unit or None) for t in REGISTRY for m in t.measures]
    if rows:
        insert_rows(con, "core.ref_measure", rows)

    con.execute("CREATE OR REPLACE TABLE core.ref_figure (figure VARCHAR, name_zh VARCHAR, name_en VARCHAR, "
                "phase VARCHAR, priority INTEGER, table_type VARCHAR, side VARCHAR, row_label VARCHAR, "
                "measure VARCHAR, figure_order INTEGER)")
    figs = vocab_rows("headline_figures.csv")
    order = {f: i for i, f in enumerate(dict.fromkeys(r["figure"] for r in figs))}
    insert_rows(con, "core.ref_figure", [(r["figure"], r["name_zh"], r["name_en"], r["phase"], int(r["priority"]), r["table_type"],
                      r["side"] or None, r["row"], r["measure"] or None, order[r["figure"]]) for r in figs])

    _register_three_public_items(con)
    _register_dictionary(con, figs)


def _register_three_public_items(con: duckdb.DuckDBPyConnection):
    """Every row or column name printed in a 三公 table of the loaded documents, mapped to its item."""
    tree = three_public_tree()
    con.execute("CREATE OR REPLACE TABLE core.ref_three_public_item (table_type VARCHAR, printed VARCHAR, "
                "item VARCHAR, parent_item VARCHAR, item_level INTEGER)")
    types = sorted({t.type for t in REGISTRY if t.kind == "three_public"} | {"gpb_admin_cost"})
    printed = con.execute(sql_text("three_public_printed.sql", "marts_io"), {"types": types}).fetchall()
    items = []
    for tt, p in printed:
        item = three_public_item(tt, p)
        if item is not None and not (tt == "gpb_admin_cost" and item == "合计"):  # that 合计 is 机关运行经费
            items.append((tt, p, item, *tree[item]))
    if items:
        insert_rows(con, "core.ref_three_public_item", items)


def _register_dictionary(con: duckdb.DuckDBPyConnection, figs: list[dict]):
    from .checks import load_rules

    tree = three_public_tree()
    con.execute("CREATE OR REPLACE TABLE core.ref_dictionary (field VARCHAR, value VARCHAR, name_zh VARCHAR, "
                "meaning_en VARCHAR, kind VARCHAR, unit VARCHAR, source VARCHAR)")
    d: list[tuple] = []
    for r in vocab_rows("dictionary.csv"):
        d.append((r["field"], r["value"], r["name_zh"], r["meaning_en"], None, None, "vocab/dictionary.csv"))
    for t in REGISTRY:
        d.append(("table_type", t.type, t.name_zh, f"table of kind {t.kind}"
                  + (f", subjects by {t.classification} class" if t.classification else "")
                  + (", mandatory in a budget" if t.mandatory_budget else "")
                  + (", mandatory in final accounts" if t.mandatory_final else ""), None, None, "pipelines/registry.py"))
    meanings = {r["measure"]: r for r in vocab_rows("measure_meanings.csv")}
    kinds: dict[str, set[tuple[str, str]]] = {}
    for t in REGISTRY:
        for m in t.measures:
            kinds.setdefault(m.name, set()).add((m.kind, m.unit))
    for name, r in meanings.items():
        (kind, unit), = kinds.get(name, {("money", "")})
        d.append(("canonical_measure", name, r["meaning_zh"], r["meaning_en"], kind, unit or None,
                  "vocab/measures.csv" if name in kinds else "pipelines/normalize.py (vocab/measure_meanings.csv)"))
    for r in figs:
        if r["priority"] == "1" and r["phase"] == "budget":
            d.append(("figure", r["figure"], r["name_zh"], r["name_en"], "money", "万元", "vocab/headline_figures.csv"))
    for item, (parent, level) in tree.items():
        d.append(("three_public_item", item, item, (meanings.get(item) or {}).get("meaning_en")
                  + (f"; part of {parent}" if parent else ""), "money", "万元", "pipelines/registry.py"))
    for r in load_rules().values():
        d.append(("rule", r.rule, r.description_zh, r.description_en, r.severity, r.family, "expectations/"))
    insert_rows(con, "core.ref_dictionary", d)
