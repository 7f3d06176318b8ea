"""Reconciliation checks: SQL computes every check instance in DuckDB, Great
Expectations decides which instances fail.

Each ``sql/checks/*.sql`` returns one row per check instance (rule, document,
subject, expected, actual, tolerance, page, cells …).  The rows of all rules
form one frame.  The suites in ``expectations/`` (one per family) hold one
expectation per rule, on the column ``<rule>.excess`` (arithmetic rules:
``excess = |actual − expected| − tolerance ≤ 0``) or ``<rule>.passed``
(``passed ∈ {True}``); each suite validates a frame of its rules' instances
with one such column per rule, null on the other rules' rows (GX skips nulls).
The instances GX lists as unexpected are the findings.  (A column per rule
rather than a ``row_condition`` on the rule: GX filters the frame once per
metric, seven times per expectation — a third of its time on this work.)  (GX 1.x SQL datasources return nothing on DuckDB through
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
from typing import Callable

import duckdb

from .config import EXPECTATIONS_DIR, SQL_DIR
from .narrative import narrative_map
from .registry import MANDATORY_BUDGET_TABLES, MANDATORY_FINAL_TABLES, REGISTRY, vocab_rows
from .sqlfiles import documents_param, insert_rows, records, run_sql_file, sql_text

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
    kind: str = "source"  # 'parse_doubt': we may have misread | 'source': the publisher's figures disagree

    @property
    def value(self) -> str:
        """The instance column the rule's expectation reads: 'excess' (arithmetic) or 'passed'."""
        return self.expectation["kwargs"]["column"].rsplit(".", 1)[1]


# The two kinds of finding. A parse doubt (the reader may have misread a table) keeps that table's lines out of
# the default views; a source finding (the document's own figures disagree) keeps the published lines in,
# flagged with the finding's id. A rule's kind is its expectation's meta "kind", else 'parse_doubt' for the
# parse family and 'source' for every other.
PARSE_DOUBT_FAMILIES = {"parse"}
ROUNDING_NOTE = 0.01


def load_rules(exp_dir: Path = EXPECTATIONS_DIR) -> dict[str, Rule]:
    rules = {}
    for f in sorted(exp_dir.glob("*.json")):
        suite = json.loads(f.read_text(encoding="utf-8"))
        for e in suite["expectations"]:
            m = e["meta"]
            _check_columns(f, e)
            kind = m.get("kind") or ("parse_doubt" if m["family"] in PARSE_DOUBT_FAMILIES else "source")
            rules[m["rule"]] = Rule(m["rule"], m["family"], m["severity"], m["gates"], m["sql"],
                                    m["description_en"], m["description_zh"], e, kind)
    return rules


INSTANCE_VALUES = ("excess", "passed")


def _check_columns(f: Path, e: dict) -> None:
    """An expectation reads one column, ``<its rule>.excess`` or ``<its rule>.passed``, and has no row condition:
    the frame of its suite holds each rule's instances in its own columns (:func:`_suite_frame`)."""
    kw, rule = e["kwargs"], e["meta"]["rule"]
    cols = [k for k in kw if k.startswith("column")]
    if cols != ["column"] or kw["column"] not in {f"{rule}.{v}" for v in INSTANCE_VALUES} or "row_condition" in kw:
        raise ValueError(f"{f.name}: the expectation of rule {rule} must read the one column {rule}.excess or "
                         f"{rule}.passed, without a row condition (found {kw})")


def register_references(con: duckdb.DuckDBPyConnection, documents: list[str] | None = None):
    """Reference tables the check SQL joins: registry row identities, the
    mandatory table set, and each narrative figure's resolved target (per document: with ``documents``, an
    incremental build, the targets of those documents' figures are added to the existing table)."""
    if documents is None:
        _register_static_references(con)
    _register_narrative_targets(con, documents)


def _register_static_references(con: duckdb.DuckDBPyConnection):
    """The reference tables read from the registry and the vocabulary (an incremental build keeps them: its code
    fingerprint, vocabulary included, is the previous build's)."""
    con.execute("CREATE OR REPLACE TABLE core.ref_row_identity (table_type VARCHAR, total_measure VARCHAR, part_measure VARCHAR)")
    rows = [(t.type, total, part) for t in REGISTRY for total, parts in t.components for part in parts]
    if rows:
        insert_rows(con, "core.ref_row_identity", rows)
    con.execute("CREATE OR REPLACE TABLE core.ref_mandatory_table (phase VARCHAR, table_type VARCHAR, name_zh VARCHAR)")
    insert_rows(con, "core.ref_mandatory_table", [("budget", t.type, t.name_zh) for t in REGISTRY if t.type in MANDATORY_BUDGET_TABLES]
                    + [("final", t.type, t.name_zh) for t in REGISTRY if t.type in MANDATORY_FINAL_TABLES])
    con.execute("CREATE OR REPLACE TABLE core.ref_mandatory_alternative (phase VARCHAR, table_type VARCHAR, "
                "alternative_type VARCHAR, required_measure VARCHAR)")
    alts = [(r["phase"].strip(), r["table_type"].strip(), r["alternative_type"].strip(), r["required_measure"].strip() or None)
            for r in vocab_rows("mandatory_alternatives.csv")]
    if alts:
        insert_rows(con, "core.ref_mandatory_alternative", alts)
    crosswalk = Path(os.environ.get("CNBUDGET_SUBJECT_CROSSWALK", Path(__file__).with_name("subject_crosswalk.csv")))
    con.execute("CREATE OR REPLACE TABLE core.ref_subject_crosswalk (fiscal_year INTEGER, final_code VARCHAR, "
                "budget_code VARCHAR, note VARCHAR)")
    with open(crosswalk, encoding="utf-8") as fh:
        xs = [(int(r["fiscal_year"]), r["final_code"], r["budget_code"], r.get("note")) for r in csv.DictReader(fh)
              if r["fiscal_year"] and not r["fiscal_year"].startswith("#")]
    if xs:
        insert_rows(con, "core.ref_subject_crosswalk", xs)
    con.execute("CREATE OR REPLACE TABLE core.ref_text_pattern (rule VARCHAR, phase VARCHAR, roles VARCHAR, "
                "regex VARCHAR, allowed VARCHAR)")
    pats = [(r["rule"].strip(), r["phase"].strip(), r["roles"].strip(), r["regex"], r["allowed"].strip())
            for r in vocab_rows("text_checks.csv")]
    for p in pats:
        re.compile(p[3])
    insert_rows(con, "core.ref_text_pattern", pats)
    from .readers.ocr_settings import settings as ocr_settings

    con.execute("CREATE OR REPLACE TABLE core.ref_ocr_setting (setting VARCHAR, value DOUBLE)")
    insert_rows(con, "core.ref_ocr_setting", sorted(ocr_settings().items()))


def _register_narrative_targets(con: duckdb.DuckDBPyConnection, documents: list[str] | None):
    # every map row a figure's label matches, in the map's order (priority): the check compares the figure with
    # the first target that has a printed value ("公务接待费2.00万元" is the "三公" table's where the document has
    # one, the economic item's elsewhere)
    if documents is None:
        con.execute("CREATE OR REPLACE TABLE core.ref_narrative_target (document_id VARCHAR, seq INTEGER, "
                    "target_table VARCHAR, target_subject VARCHAR, target_measure VARCHAR, priority INTEGER)")
    figs = con.execute(sql_text("narrative_figures.sql", "checks_io"),
                       documents_param(documents)).fetchall()
    out = []
    for doc, seq, label, unit, sentence in figs:
        for priority, r in enumerate(narrative_map()):
            # a percentage only ever names a percentage column, an amount only an amount
            if ("%" in r["target_measure"]) != (unit == "%"):
                continue
            # a sentence pattern narrows a label to the sentences about the whole (not an item's 完成预算的X%)
            if r.get("sentence_pattern") and not re.search(r["sentence_pattern"], sentence or ""):
                continue
            if re.fullmatch(r["label_pattern"], label or ""):
                item = re.sub(r"^\d+\.", "", label)
                out.append((doc, seq, r["target_table"], r["target_subject"].replace("{label}", item),
                            r["target_measure"].replace("{label}", item), priority))
    if out:
        insert_rows(con, "core.ref_narrative_target", out)


def compute_instances(con: duckdb.DuckDBPyConnection, rules: dict[str, Rule], scoped: bool = False,
                      on_suite: Callable[[str, "SuiteRows"], None] | None = None) -> int:
    """Every check instance of every rule into the temp table ``check_instance`` (sql/checks_io/instance_tables.sql;
    differences are exact DECIMAL arithmetic in DuckDB), its number returned; the rules into ``check_rule``.
    ``scoped`` (an incremental build): only the instances of the documents in ``core.check_scope`` — the rules read
    the per-document tables through views restricted to them (sql/checks_io/scope_views.sql; the largest three are
    temp tables, sql/checks_io/scope_tables.sql, which reads the incremental build's own tables of what it loaded:
    build_load, sql/subjects/loaded_none.sql) — and a corpus-wide
    rule's on the codes and years in ``core.check_scope_code``; the corpus-wide rule (which reads every document's
    subject names) has its other instances counted per document (``check_rest``).
    ``on_suite(suite name, rows)`` is called for each suite (family) as soon as the rule files of its rules have
    run (:func:`suite_order`), with its rules' instances (:class:`SuiteRows`): the build streams them to the GX
    process, which validates one suite while the next one's SQL runs. The instances stay in DuckDB: the build's
    process needs no pandas (0.4 s of CPU to import with pyarrow, a tenth of a small refresh's)."""
    run_sql_file(con, SQL_DIR / "checks" / "00_macros.sql")
    # the rules read the per-document tables through chk_<table> views: the re-checked documents only when scoped
    con.execute("SET VARIABLE check_scoped = ?", [scoped])
    run_sql_file(con, SQL_DIR / "checks_io" / "scope_views.sql")
    if scoped:  # the scope's facts, subject resolution and sightings as temp tables: the build's own copies of the
        # rows it loaded and core's of the scope's other documents (a view over core scanned every row per rule file)
        run_sql_file(con, SQL_DIR / "checks_io" / "scope_tables.sql")
    run_sql_file(con, SQL_DIR / "checks_io" / "instance_tables.sql")
    insert_rows(con, "temp.check_rule", [(r.rule, r.family, r.severity, r.kind, r.value) for r in rules.values()])
    corpus = corpus_rules(rules)
    files = sorted({r.sql for r in rules.values()})
    done: set[str] = set()
    for fam in suite_order(rules):
        for sql_file in sorted({r.sql for r in rules.values() if r.family == fam}):
            if sql_file in done:
                continue
            done.add(sql_file)
            # each rule file is one SELECT producing the columns of COLUMNS; it becomes a temp view that
            # instances.sql reads (composition of SQL files, no values in the text)
            con.execute("CREATE OR REPLACE TEMP VIEW check_instances AS " + sql_text(Path(sql_file).name, "checks"))
            con.execute(sql_text("instances.sql", "checks_io"), {"scoped": scoped, "k": files.index(sql_file)})
            if scoped and any(rules[r].sql == sql_file for r in corpus):
                con.execute("INSERT INTO check_rest BY NAME " + sql_text("corpus_rest.sql", "checks_io"))
        if on_suite is not None:
            on_suite(f"cnbudget.{fam}", SuiteRows.of(con.execute(sql_text("suite_rows.sql", "checks_io"),
                                                                 {"family": fam}).fetchall()))
    con.execute("DROP VIEW IF EXISTS check_instances")
    unknown = [r for (r,) in con.execute("SELECT DISTINCT rule FROM check_instance "
                                         "WHERE rule NOT IN (SELECT rule FROM check_rule)").fetchall()]
    if unknown:
        raise RuntimeError(f"check SQL emitted rules with no expectation: {sorted(unknown, key=str)}")
    return con.execute("SELECT count(*) FROM check_instance").fetchall()[0][0]


class SuiteRows:
    """One suite's instances as the build hands them to GX: check ids, rules and the values the expectations read
    (``excess``, ``passed``), plain lists (no pandas in the build's process); :meth:`frame` is the frame its suite
    validates, made where GX runs."""

    __slots__ = ("check_id", "rule", "excess", "passed")

    def __init__(self, check_id: list, rule: list, excess: list, passed: list):
        self.check_id, self.rule, self.excess, self.passed = check_id, rule, excess, passed

    @classmethod
    def of(cls, rows: list[tuple]) -> "SuiteRows":
        """From (check_id, rule, excess, passed) rows (sql/checks_io/suite_rows.sql)."""
        cols = list(zip(*rows)) if rows else [(), (), (), ()]
        return cls(*(list(c) for c in cols))

    def __len__(self) -> int:
        return len(self.check_id)

    def frame(self, rules: dict[str, Rule], fam: str) -> "pd.DataFrame":
        import pandas as pd

        df = pd.DataFrame({"check_id": pd.Series(self.check_id, dtype=object),
                           "rule": pd.Series(self.rule, dtype=object),
                           "excess": pd.Series([float("nan") if v is None else v for v in self.excess],
                                               dtype="float64"),
                           "passed": pd.Series(self.passed, dtype=object)})
        return _suite_frame(df, rules, fam)


def suite_order(rules: dict[str, Rule]) -> list[str]:
    """The families (one suite each) in the order the build computes and streams them: the most expectations first
    (GX's time goes per expectation), so that what GX still has to do after the last rule file has run is small."""
    n: dict[str, int] = {}
    for r in rules.values():
        n[r.family] = n.get(r.family, 0) + 1
    return sorted(n, key=lambda fam: (-n[fam], fam))


# One Great Expectations context per process and check-code version: building it (context, suites, validation
# definitions, checkpoint) is done once, not at every build (the Dagster daemon and a long-lived process reuse it).
_GX_CACHE: dict[tuple, tuple] = {}


def _suites_key(rules: dict[str, Rule]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps([r.expectation for r in rules.values()], sort_keys=True).encode()).hexdigest()


def gx_checkpoint(rules: dict[str, Rule], gx_root: Path):
    """(context, checkpoint) of the suites in ``expectations/`` (one suite per family), file-backed under
    ``gx_root``; cached for the process while ``gx_root`` exists and the suites are unchanged."""
    key = (str(gx_root), _suites_key(rules))
    hit = _GX_CACHE.get(key)
    if hit is not None and (gx_root / "gx").is_dir():
        return hit
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    gx_root.mkdir(parents=True, exist_ok=True)
    ctx = gx.get_context(mode="file", project_root_dir=str(gx_root))
    _no_config_variables(gx_root)
    # a context already holding these suites (written by an earlier build) is used as it is
    stamp = gx_root / "gx" / "cnbudget-suites.sha256"
    try:
        if stamp.read_text(encoding="utf-8") == key[1]:
            cp = ctx.checkpoints.get("cnbudget_reconciliation")
            _GX_CACHE.clear()
            _GX_CACHE[key] = (ctx, cp)
            return ctx, cp
    except Exception:  # noqa: BLE001 - no stamp, or the stored objects do not load: written again below
        pass
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
    # no per-validation actions: the Data Docs are built once per run, for this run's results (CheckpointRun.finish)
    cp = ctx.checkpoints.add_or_update(gx.Checkpoint(
        name="cnbudget_reconciliation", validation_definitions=vds, actions=[],
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["check_id"]}))
    stamp.write_text(key[1], encoding="utf-8")
    _GX_CACHE.clear()
    _GX_CACHE[key] = (ctx, cp)
    return ctx, cp


def _no_config_variables(gx_root: Path) -> None:
    """cnbudget's GX project substitutes no config variables: its ``uncommitted/config_variables.yml`` holds an empty
    mapping instead of the commented template GX writes. GX parses that file (ruamel.yaml) on every read of a
    context variable, about 200 times per checkpoint run: the template cost a checkpoint run on 23,000 instances
    0.5 of its 2.3 s."""
    f = gx_root / "gx" / "uncommitted" / "config_variables.yml"
    try:
        if f.read_text(encoding="utf-8").strip() == "{}":
            return
    except FileNotFoundError:
        return  # GX reads no file that is not there
    tmp = f.with_name(f.name + ".tmp")
    tmp.write_text("{}\n", encoding="utf-8")
    os.replace(tmp, f)


class SuiteStream:
    """The suites' instances as the build computes them (:func:`compute_instances`' ``on_suite``: :class:`SuiteRows`),
    validated by the GX
    process the refresh started (:mod:`pipelines.gxproc`) — each sent as it comes, so GX validates one suite while
    the build runs the next one's SQL — or, without one (or should it fail), here at :meth:`result`. GX is not
    involved at all when no suite has an instance (an incremental build that only removed documents)."""

    def __init__(self, rules: dict[str, Rule], gx_root: Path):
        self.rules, self.gx_root = rules, gx_root
        self.frames: dict[str, SuiteRows] = {}
        self.worker = None
        self.started = False  # the first suite with an instance has come: GX validates every suite from then on

    def suite(self, name: str, frame: SuiteRows) -> None:
        from . import gxproc

        self.frames[name] = frame
        if not self.started:
            if not len(frame):
                return
            self.started = True
            self.worker = gxproc.take(self.gx_root)
            todo = dict(self.frames)
        else:
            todo = {name: frame}
        if self.worker is not None and not self.worker.send(todo, self.rules, self.gx_root):
            self.worker.stop()
            self.worker = None

    def result(self) -> tuple[set[str], dict, str | None]:
        from . import gxproc

        if not self.started:
            return set(), {}, None
        w, self.worker = self.worker, None
        if w is not None:
            got = None
            try:
                got = w.answer(self.rules, self.gx_root)
            finally:
                if got is None:
                    w.stop()
                else:  # it builds the Data Docs now, beside the rest of the build; the refresh waits for it at its end
                    gxproc.draining(w)
            if got is not None:
                return got
        return _validate_here(self.frames, self.rules, self.gx_root)


def _suite_frame(df: pd.DataFrame, rules: dict[str, Rule], fam: str) -> pd.DataFrame:
    """The frame the suite of family ``fam`` validates: its rules' instances in ``df`` (check_id, the unexpected
    index), with one column per rule, ``<rule>.excess`` or ``<rule>.passed``, holding that rule's value on its rows
    and null on the others'. A suite whose rules have no instance in this run gets an empty frame: it is still
    validated (every run has a result of every suite)."""
    import pandas as pd

    names = sorted(r.rule for r in rules.values() if r.family == fam)
    part = df[df["rule"].isin(names)]
    cols = {"check_id": part["check_id"].to_numpy()}
    rule_of = part["rule"].to_numpy()
    for name in names:
        value = rules[name].value
        col = part[value].where(rule_of == name)
        cols[f"{name}.{value}"] = (col.astype("float64") if value == "excess" else col.astype(object)
                                   .where(col.notna(), None)).to_numpy()
    return pd.DataFrame(cols)


def _validate_here(frames: dict[str, SuiteRows], rules: dict[str, Rule],
                   gx_root: Path) -> tuple[set[str], dict, str | None]:
    result, build_docs = _run_checkpoint(frames, rules, gx_root)
    build_docs()
    return result


def _run_checkpoint(frames: dict[str, SuiteRows], rules: dict[str, Rule], gx_root: Path):
    """((failed check ids, per-rule result, Data Docs index path), the step that builds this run's Data Docs), every
    suite validated on its frame in the checkpoint's order (:class:`CheckpointRun`)."""
    run = CheckpointRun(rules, gx_root)
    for name in run.suites:
        run.validate(name, frames[name])
    return run.finish()


class CheckpointRun:
    """One checkpoint run, suite by suite: the checkpoint's validation definitions run one at a time, each on its
    suite's frame (:func:`_suite_frame`; a checkpoint run would hand every definition the same frame), under one run
    id and the checkpoint's result format; each stores its result. :meth:`finish` gives ((failed check ids,
    per-rule result, Data Docs index path), the step that builds this run's Data Docs): the GX process answers the
    build first and builds the pages afterwards."""

    def __init__(self, rules: dict[str, Rule], gx_root: Path):
        import datetime as dt

        from great_expectations.core.run_identifier import RunIdentifier

        self.gx_root, self.rules = gx_root, rules
        self.ctx, self.cp = gx_checkpoint(rules, gx_root)
        self.run_id = RunIdentifier(run_time=dt.datetime.now(dt.timezone.utc))
        self.by_name = {vd.suite.name: vd for vd in self.cp.validation_definitions}
        self.suites = list(self.by_name)
        self.keys: list = []
        self.done: set[str] = set()
        self.failed: set[str] = set()
        self.per_rule: dict[str, dict] = {}

    def validate(self, name: str, rows: SuiteRows) -> None:
        from great_expectations.data_context.types.resource_identifiers import (ExpectationSuiteIdentifier,
                                                                                ValidationResultIdentifier)

        frame = rows.frame(self.rules, name.removeprefix("cnbudget."))
        vd = self.by_name[name]
        vr = vd.run(checkpoint_id=self.cp.id, batch_parameters={"dataframe": frame},
                    result_format=self.cp.result_format, run_id=self.run_id)
        self.keys.append(ValidationResultIdentifier(expectation_suite_identifier=ExpectationSuiteIdentifier(
            name=vd.suite.name), run_id=self.run_id, batch_identifier=vr.batch_id))
        for r in vr.results:
            rule = r.expectation_config.meta["rule"]
            idx = r.result.get("unexpected_index_list") or []
            ids = {x["check_id"] for x in idx}
            self.failed |= ids
            evaluated = int(r.result.get("element_count") or 0) - int(r.result.get("missing_count") or 0)
            self.per_rule[rule] = {"success": bool(r.success), "evaluated": evaluated, "failed": len(ids)}
        self.done.add(name)

    def finish(self):
        missing = [n for n in self.suites if n not in self.done]
        if missing:
            raise RuntimeError(f"suites not validated in this run: {missing}")
        sites = self.ctx.get_docs_sites_urls(only_if_exists=False)  # (the index is built by build_docs)
        docs = sites[0]["site_url"] if sites else None
        ctx, keys, gx_root = self.ctx, list(self.keys), self.gx_root

        def build_docs():
            # the stored validation results of older builds beyond the last gx_keep_runs() go (every run's findings
            # stay in dq.findings_history): the Data Docs index lists every stored result, a nightly refresh would
            # grow it forever; then the pages of this run's validation results and the index, once per run
            prune_validation_results(gx_root, gx_keep_runs())
            ctx.build_data_docs(resource_identifiers=keys)

        return (self.failed, self.per_rule, docs), build_docs


def gx_keep_runs() -> int:
    """How many builds' validation results (and Data Docs pages) GX keeps: ``CNBUDGET_GX_KEEP_RUNS``, default 30."""
    return max(1, int(os.environ.get("CNBUDGET_GX_KEEP_RUNS", "30")))


def prune_validation_results(gx_root: Path, keep: int) -> int:
    """Keep the ``keep`` newest validation results of each suite under ``gx_root`` (GX's file store:
    ``validations/<suite path>/<run name>/<run time>/``; run times sort as they happened) and delete the older ones
    with their rendered Data Docs pages. Returns how many results went."""
    import shutil

    base = gx_root / "gx" / "uncommitted"
    removed = 0
    for run_name in sorted((base / "validations").glob("*/*/*")):  # cnbudget/<family>/<run name>
        if not run_name.is_dir():
            continue
        runs = sorted(p for p in run_name.iterdir() if p.is_dir())
        for old in runs[:-keep]:
            shutil.rmtree(old)
            shutil.rmtree(base / "data_docs" / "local_site" / old.relative_to(base), ignore_errors=True)
            removed += 1
    return removed


def _gx_worker_main(conn_in, conn_out):
    """The GX process's work (:func:`pipelines.gxproc.child_main` imported GX, then this module): reads the GX root
    on ``conn_in`` (sent once a build is certain: only then does it open the context, which may write the project),
    then validates the suites of one run as the build streams them, (frames, rules, GX root, last) — some suites'
    frames at a time (:class:`SuiteStream`) — and at the last answers with ("ok", CheckpointRun.finish's result) or
    ("error", why) on ``conn_out``, builds that run's Data Docs after answering (the build goes on meanwhile; the
    refresh waits for this process at its end: gxproc.discard), and ends at the end of its input."""
    import sys
    import traceback

    try:
        gx_root = Path(conn_in.recv())
        try:
            gx_checkpoint(load_rules(), gx_root)  # the context, while the build runs
        except Exception:  # noqa: BLE001 - the request runs it again and reports the failure
            pass
        run, error = None, None
        while True:
            try:
                msg = conn_in.recv()
            except (EOFError, OSError):
                raise
            except Exception:  # noqa: BLE001 - a part it cannot unpickle: the build is told why, runs GX itself
                msg, error = (), error or traceback.format_exc(limit=5)
            if msg is None:
                break
            frames, rules, root, last = msg if len(msg) == 4 else (None, None, None, True)
            build_docs = None
            if error is None:
                try:
                    if run is None:
                        run = CheckpointRun(rules, Path(root))
                    for name, frame in frames.items():
                        run.validate(name, frame)
                except Exception:  # noqa: BLE001 - reported to the build at the last part; it runs GX itself
                    error = traceback.format_exc(limit=5)
            if not last:
                continue
            try:
                if error is None:
                    result, build_docs = run.finish()
                    out = ("ok", result)
                else:
                    out = ("error", error)
            except Exception:  # noqa: BLE001
                out = ("error", traceback.format_exc(limit=5))
            run, error = None, None
            conn_out.send(out)
            if build_docs is not None:  # after the answer: the build goes on meanwhile
                try:
                    build_docs()
                except Exception:  # noqa: BLE001 - the findings are the build's; the pages are a report
                    traceback.print_exc(limit=5)
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    finally:
        # everything it wrote is closed: it ends without tearing its modules down (about a second once GX is
        # loaded), which the refresh would wait for
        sys.stderr.flush()
        os._exit(0)


def corpus_rules(rules: dict[str, Rule]) -> set[str]:
    """Rules whose instances depend on documents of other departments (one name per code and year across the
    corpus): expectation meta ``scope: corpus``; an instance is keyed by its subject code (``subject``) and
    classification (``measure``). An incremental build re-evaluates the instances on the codes and years whose census
    its new, changed and removed documents changed (an instance's year is its document's); every other rule only for
    the documents it re-checks (their departments'). A corpus-wide rule must be a ``passed`` rule (its other
    instances are counted in SQL: failed = passed is false)."""
    out = {r.rule for r in rules.values() if r.expectation["meta"].get("scope") == "corpus"}
    for r in out:
        if rules[r].expectation["kwargs"].get("column") == "excess":
            raise ValueError(f"corpus-wide rule {r} must be a passed rule, not an arithmetic one")
    return out


def run_checks(con: duckdb.DuckDBPyConnection, gx_root: Path, run_id: str | None = None,
               scoped: bool = False, while_waiting: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> dict:
    """Evaluate the rules, let GX decide the findings, write dq.findings (+ history), dq.document_rule_results
    and dq.rule_results of this run.  ``while_waiting(con)``: work that does not read the checks' results, run once
    every rule has run, while GX validates the last suites (the build's process would otherwise wait idle for its
    answer).  ``scoped`` (an incremental build on a copy of the previous warehouse):
    only the documents in ``core.check_scope``, and the corpus-wide rule on the codes and years in
    ``core.check_scope_code``,
    go to GX; every other document's findings and counts of the previous run are carried into this run as they
    were (its inputs are unchanged)."""
    run_id = run_id or uuid.uuid4().hex[:12]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rules = load_rules()
    con.execute("CREATE OR REPLACE TEMP TABLE check_corpus_rule (rule VARCHAR)")
    insert_rows(con, "temp.check_corpus_rule", [(r,) for r in sorted(corpus_rules(rules))])
    # each suite goes to GX as soon as its rules have run (nothing to evaluate — an incremental build that only
    # removed documents —: GX is not involved)
    stream = SuiteStream(rules, gx_root)
    instances = compute_instances(con, rules, scoped, on_suite=stream.suite)
    if while_waiting is not None:
        while_waiting(con)
    failed, per_rule, docs = stream.result()
    insert_rows(con, "temp.check_failed", [(i,) for i in sorted(failed)])
    findings = _findings(con.execute(sql_text("failed_instances.sql", "checks_io")), run_id, now)
    run_sql_file(con, SQL_DIR / "checks_io" / "per_doc_counts.sql", {"run_id": run_id})
    con.execute("CREATE OR REPLACE TEMP TABLE findings_df AS SELECT * FROM dq.findings LIMIT 0")
    insert_rows(con, "temp.findings_df", findings)
    try:
        if scoped:  # the previous run's results of the documents not re-checked become this run's; the rest goes
            for sql_file in sorted((SQL_DIR / "checks_carry").glob("*.sql")):
                run_sql_file(con, sql_file, {"run_id": run_id} if "$run_id" in sql_file.read_text() else None)
        con.execute(sql_text("insert_findings.sql", "checks_io"))
        con.execute(sql_text("insert_document_rule_results.sql", "checks_io"))
        if scoped:
            run_sql_file(con, SQL_DIR / "checks_io" / "merge_counts.sql")
    finally:
        con.execute("DROP TABLE findings_df")
        con.execute("DROP TABLE per_doc_df")
    # per rule: the sums of its per-document counts (the same whether the counts were computed now or carried)
    counts = {r: (int(n), int(nf), int(ne)) for r, n, nf, ne in con.execute(
        sql_text("rule_counts.sql", "checks_io"), {"run_id": run_id}).fetchall()}
    rr = []
    for r in rules.values():
        ev, nf, ne = counts.get(r.rule, (0, 0, 0))
        rr.append((run_id, r.rule, r.family, r.severity, r.gates, ev, nf, nf == 0, r.description_en, r.description_zh,
                   ne, r.kind))
    insert_rows(con, "dq.rule_results", rr)
    n_findings = con.execute(sql_text("run_findings.sql", "checks_io"), {"run_id": run_id}).fetchall()
    by_severity = {sev: int(n) for sev, n in n_findings}
    return {"run_id": run_id, "instances": instances, "findings": sum(by_severity.values()),
            "by_severity": by_severity, "data_docs": docs,
            "gx_success": all(v["success"] for v in per_rule.values())}


# dq.findings' columns, in its order (sql/ddl/20_dq.sql): a finding's row as :func:`_findings` gives it
FINDING_COLUMNS = ["run_id", "checked_at", "document_id", "table_seq", "rule", "family", "severity", "table_type",
                   "subject", "measure", "expected", "actual", "difference", "tolerance", "page", "line", "cells",
                   "message", "finding_id", "kind"]


def _findings(cur, run_id: str, now: datetime) -> list[tuple]:
    """This run's findings (rows of FINDING_COLUMNS) from the failed instances
    (sql/checks_io/failed_instances.sql on ``cur``): each with its id (:func:`finding_id`), its message (the rule's,
    else :func:`_message`) and its severity — a narrative figure off by no more than 0.01 beyond its published
    precision (a percentage point, or 0.01 万元) is a rounding difference of the publisher's: recorded as a note,
    not a warning (GovBudgetChecker's practice)."""
    out = []
    for r in records(cur):
        msg = r["message"] if isinstance(r["message"], str) and r["message"] else None
        diff = None if r["difference"] is None else abs(float(r["difference"]))
        if (r["family"] == "narrative" and diff is not None and r["tolerance"] is not None
                and diff <= r["tolerance"] + ROUNDING_NOTE + 1e-9):
            r["severity"] = "note"
            msg = f"rounding difference (within {ROUNDING_NOTE} beyond the published precision): " + (msg or _message(r))
        r["message"] = msg or _message(r)
        r["finding_id"] = finding_id(r)
        r["run_id"], r["checked_at"] = run_id, now
        r["difference"] = None if r["difference"] is None else str(r["difference"])  # (exact; DECIMAL on insert)
        out.append(tuple(r[c] for c in FINDING_COLUMNS))
    return out


def finding_id(r: dict) -> str:
    """A finding's id: the same discrepancy gets the same id in every build (rule, document, table, subject,
    measure, the cells it points at), so a line's flags and the findings history can be followed across runs."""
    import hashlib

    key = "\x1f".join("" if v is None or (isinstance(v, float) and v != v) else str(v) for v in (
        r["rule"], r["document_id"], r["table_seq"], r["subject"], r["measure"], r["page"], r["line"], r["cells"]))
    return "F" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:11]


def _message(r: dict) -> str:
    return (f"{r['rule']}: {r['table_type']} {r['subject'] or ''} {r['measure'] or ''}: expected {_num(r['expected'])}, "
            f"found {_num(r['actual'])} (difference {_num(r['difference'])}, tolerance {_num(r['tolerance'])})")


def _num(v) -> str:
    """A number of a finding's message: as a float prints (a missing one: nan)."""
    return str(float("nan") if v is None else float(v))
