"""Reconciliation checks: SQL computes every check instance in DuckDB, Great
Expectations decides which instances fail.

Each ``sql/checks/*.sql`` returns one row per check instance (rule, document,
subject, expected, actual, tolerance, page, cells …).  The rows of all rules
form one frame; the suites in ``expectations/`` hold one expectation per rule,
restricted to its rows with a ``row_condition``:
``excess = |actual − expected| − tolerance ≤ 0`` for arithmetic rules,
``passed ∈ {True}`` for the others.  The instances GX lists as unexpected are
the findings.  (GX 1.x SQL datasources return nothing on DuckDB through
duckdb-engine — GX issues 10738 and 11579 — hence the frames.)
"""
from __future__ import annotations

import csv
import json
import logging
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from .config import EXPECTATIONS_DIR, SQL_DIR
from .narrative import narrative_map
from .registry import MANDATORY_BUDGET_TABLES, MANDATORY_FINAL_TABLES, REGISTRY
from .sqlfiles import run_sql_file, sql_text

log = logging.getLogger(__name__)

COLUMNS = ["rule", "document_id", "table_seq", "table_type", "subject", "measure", "expected", "actual", "tolerance", "page",
           "line", "cells", "passed", "message"]


@dataclass
class Rule:
    rule: str
    family: str
    severity: str
    gates: bool
    sql: str
    description_en: str
    description_zh: str
    expectation: dict


def load_rules(exp_dir: Path = EXPECTATIONS_DIR) -> dict[str, Rule]:
    rules = {}
    for f in sorted(exp_dir.glob("*.json")):
        suite = json.loads(f.read_text(encoding="utf-8"))
        for e in suite["expectations"]:
            m = e["meta"]
            rules[m["rule"]] = Rule(m["rule"], m["family"], m["severity"], m["gates"], m["sql"],
                                    m["description_en"], m["description_zh"], e)
    return rules


def register_references(con: duckdb.DuckDBPyConnection):
    """Reference tables the check SQL joins: registry row identities, the
    mandatory table set, and each narrative figure's resolved target."""
    con.execute("CREATE OR REPLACE TABLE core.ref_row_identity (table_type VARCHAR, total_measure VARCHAR, part_measure VARCHAR)")
    rows = [(t.type, total, part) for t in REGISTRY for total, parts in t.components for part in parts]
    if rows:
        con.executemany("INSERT INTO core.ref_row_identity VALUES (?, ?, ?)", rows)
    con.execute("CREATE OR REPLACE TABLE core.ref_mandatory_table (phase VARCHAR, table_type VARCHAR, name_zh VARCHAR)")
    con.executemany("INSERT INTO core.ref_mandatory_table VALUES (?, ?, ?)",
                    [("budget", t.type, t.name_zh) for t in REGISTRY if t.type in MANDATORY_BUDGET_TABLES]
                    + [("final", t.type, t.name_zh) for t in REGISTRY if t.type in MANDATORY_FINAL_TABLES])
    crosswalk = Path(os.environ.get("CNBUDGET_SUBJECT_CROSSWALK", Path(__file__).with_name("subject_crosswalk.csv")))
    con.execute("CREATE OR REPLACE TABLE core.ref_subject_crosswalk (fiscal_year INTEGER, final_code VARCHAR, "
                "budget_code VARCHAR, note VARCHAR)")
    with open(crosswalk, encoding="utf-8") as fh:
        xs = [(int(r["fiscal_year"]), r["final_code"], r["budget_code"], r.get("note")) for r in csv.DictReader(fh)
              if r["fiscal_year"] and not r["fiscal_year"].startswith("#")]
    if xs:
        con.executemany("INSERT INTO core.ref_subject_crosswalk VALUES (?, ?, ?, ?)", xs)
    from .readers.ocr import settings as ocr_settings

    con.execute("CREATE OR REPLACE TABLE core.ref_ocr_setting (setting VARCHAR, value DOUBLE)")
    con.executemany("INSERT INTO core.ref_ocr_setting VALUES (?, ?)", sorted(ocr_settings().items()))
    con.execute("CREATE OR REPLACE TABLE core.ref_narrative_target (document_id VARCHAR, seq INTEGER, "
                "target_table VARCHAR, target_subject VARCHAR, target_measure VARCHAR)")
    figs = con.execute("SELECT document_id, seq, label, unit FROM core.fact_narrative_figure").fetchall()
    out = []
    for doc, seq, label, unit in figs:
        for r in narrative_map():
            # a percentage only ever names a percentage column, an amount only an amount
            if ("%" in r["target_measure"]) != (unit == "%"):
                continue
            if re.fullmatch(r["label_pattern"], label or ""):
                out.append((doc, seq, r["target_table"], r["target_subject"].replace("{label}", label),
                            r["target_measure"]))
                break
    if out:
        con.executemany("INSERT INTO core.ref_narrative_target VALUES (?, ?, ?, ?, ?)", out)


def compute_instances(con: duckdb.DuckDBPyConnection, rules: dict[str, Rule]) -> pd.DataFrame:
    """Every check instance of every rule, one frame; differences are exact DECIMAL arithmetic in DuckDB."""
    run_sql_file(con, SQL_DIR / "checks" / "00_macros.sql")
    frames = []
    for sql_file in sorted({r.sql for r in rules.values()}):
        # each rule file is one SELECT producing the columns of COLUMNS; it becomes a temp view that
        # instances.sql reads (composition of SQL files, no values in the text)
        con.execute("CREATE OR REPLACE TEMP VIEW check_instances AS " + sql_text(Path(sql_file).name, "checks"))
        frames.append(con.execute(sql_text("instances.sql", "checks_io")).df())
    con.execute("DROP VIEW IF EXISTS check_instances")
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    unknown = set(df["rule"]) - set(rules)
    if unknown:
        raise RuntimeError(f"check SQL emitted rules with no expectation: {sorted(unknown)}")
    df["passed"] = df["passed"].astype("boolean")
    df["check_id"] = [f"c{i}" for i in range(len(df))]
    df["family"] = df["rule"].map(lambda r: rules[r].family)
    df["severity"] = df["rule"].map(lambda r: rules[r].severity)
    return df


def validate_with_gx(df: pd.DataFrame, rules: dict[str, Rule], gx_root: Path) -> tuple[set[str], dict, str | None]:
    """Run every suite on the frame.  Returns (failed check ids, per-rule
    result, Data Docs index path)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    gx_root.mkdir(parents=True, exist_ok=True)
    ctx = gx.get_context(mode="file", project_root_dir=str(gx_root))
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    ds = ctx.data_sources.add_or_update_pandas("cnbudget_checks")
    try:
        asset = ds.get_asset("instances")
    except (LookupError, ValueError, KeyError):
        asset = ds.add_dataframe_asset("instances")
    try:
        bd = asset.get_batch_definition("all")
    except (LookupError, ValueError, KeyError):
        bd = asset.add_batch_definition_whole_dataframe("all")
    vds = []
    for fam in sorted({r.family for r in rules.values()}):
        suite = gx.ExpectationSuite(name=f"cnbudget.{fam}")
        for r in rules.values():
            if r.family == fam:
                e = r.expectation
                suite.add_expectation_configuration(
                    ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e["meta"]))
        suite = ctx.suites.add_or_update(suite)
        vds.append(ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"cnbudget.{fam}", data=bd, suite=suite)))
    cp = ctx.checkpoints.add_or_update(gx.Checkpoint(
        name="cnbudget_reconciliation", validation_definitions=vds,
        actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["check_id"]}))
    gx_df = df.drop(columns=["expected", "actual", "tolerance", "difference"]).copy()
    res = cp.run(batch_parameters={"dataframe": gx_df})
    failed: set[str] = set()
    per_rule: dict[str, dict] = {}
    for vr in res.run_results.values():
        for r in vr.results:
            rule = r.expectation_config.meta["rule"]
            idx = r.result.get("unexpected_index_list") or []
            ids = {x["check_id"] for x in idx}
            failed |= ids
            per_rule[rule] = {"success": bool(r.success), "evaluated": int(r.result.get("element_count") or 0),
                              "failed": len(ids)}
    sites = ctx.get_docs_sites_urls()
    docs = sites[0]["site_url"] if sites else None
    return failed, per_rule, docs


def run_checks(con: duckdb.DuckDBPyConnection, gx_root: Path, run_id: str | None = None) -> dict:
    run_id = run_id or uuid.uuid4().hex[:12]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rules = load_rules()
    df = compute_instances(con, rules)
    failed, per_rule, docs = validate_with_gx(df, rules, gx_root)
    f = df[df["check_id"].isin(failed)].copy()
    f["run_id"] = run_id
    f["checked_at"] = now
    f["message"] = [m if isinstance(m, str) and m else _message(r) for m, r in zip(f["message"], f.to_dict("records"))]
    f = f[["run_id", "checked_at", "document_id", "table_seq", "rule", "family", "severity", "table_type", "subject", "measure",
           "expected", "actual", "difference", "tolerance", "page", "line", "cells", "message"]]
    con.register("findings_df", f)
    con.execute(sql_text("insert_findings.sql", "checks_io"))
    con.unregister("findings_df")
    rr = [(run_id, r.rule, r.family, r.severity, r.gates, per_rule.get(r.rule, {}).get("evaluated", 0),
           per_rule.get(r.rule, {}).get("failed", 0), per_rule.get(r.rule, {}).get("success", True),
           r.description_en, r.description_zh) for r in rules.values()]
    con.executemany("INSERT INTO dq.rule_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rr)
    per_doc = (df.assign(failed=df["check_id"].isin(failed).astype(int), run_id=run_id)
               .groupby(["run_id", "document_id", "rule", "family", "severity"], dropna=False)
               .agg(evaluated=("check_id", "size"), failed=("failed", "sum")).reset_index())
    con.register("per_doc_df", per_doc)
    con.execute(sql_text("insert_document_rule_results.sql", "checks_io"))
    con.unregister("per_doc_df")
    return {"run_id": run_id, "instances": len(df), "findings": len(f),
            "by_severity": f["severity"].value_counts().to_dict(), "data_docs": docs,
            "gx_success": all(v["success"] for v in per_rule.values())}


def _message(r: dict) -> str:
    return (f"{r['rule']}: {r['table_type']} {r['subject'] or ''} {r['measure'] or ''}: expected {r['expected']}, "
            f"found {r['actual']} (difference {r['difference']}, tolerance {r['tolerance']})")
