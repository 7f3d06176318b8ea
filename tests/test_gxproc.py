"""The GX process a CLI refresh starts before it knows whether it will build (pipelines/gxproc.py): killed unopened,
it has written nothing; opened (by the build's checks), it writes the GX project it was given. Each case runs in a
fresh interpreter: this test process may have imported GX, and then start() rightly starts nothing."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_unopened_gx_process_is_killed_and_writes_nothing(tmp_path):
    gx_root = tmp_path / "gx"
    got = _run("import time\n"
               "from pipelines import gxproc\n"
               "gxproc.start()\n"
               "w = gxproc._WORKER\n"
               "time.sleep(1)\n"
               "gxproc.discard()\n"
               "print(w.proc.returncode, w.opened, gxproc._WORKER is None)\n")
    assert got == ["-9", "False", "True"]  # SIGKILL: a refresh with nothing new does not wait for GX's import
    assert not gx_root.exists()


def test_checks_open_the_started_process_on_their_gx_project(tmp_path):
    """A refresh that extracted nothing but re-checks documents (it removed some) hands its checks the process
    started at launch: take() opens it on the warehouse's GX project, which it then writes (the suites' stamp)."""
    gx_root = tmp_path / "gx"
    got = _run("from pathlib import Path\n"
               "from pipelines import gxproc\n"
               "gxproc.start()\n"
               f"w = gxproc.take(Path({str(gx_root)!r}))\n"
               "print(w.opened, gxproc.take(Path('/nonexistent')) is None)\n"
               "w.stop(timeout=300)\n"
               "print(w.proc.returncode)\n")
    assert got == ["True", "True", "0"]
    assert (gx_root / "gx" / "cnbudget-suites.sha256").is_file()
    # the project GX wrote substitutes no config variables (parsed some 200 times per checkpoint run)
    assert (gx_root / "gx" / "uncommitted" / "config_variables.yml").read_text(encoding="utf-8") == "{}\n"


def test_gx_process_defers_what_the_suites_never_use():
    """The GX process imports GX with altair and scipy.stats deferred (GX imports them for expectations cnbudget
    does not use): after the import neither has run its code; the first use loads the real module."""
    got = _run("import sys\n"
               "from pipelines.gxproc import defer_imports\n"
               "defer_imports()\n"
               "import great_expectations\n"
               "from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl\n"
               "print('scipy.stats._stats_py' in sys.modules, 'altair.vegalite' in sys.modules)\n"
               "print(kl.stats.norm.cdf(0.0), kl.alt.Chart.__name__)\n"
               "print('scipy.stats._stats_py' in sys.modules, 'altair.vegalite' in sys.modules)\n")
    assert got == ["False", "False", "0.5", "Chart", "True", "True"]


# every family's suite as the build hands it to GX (checks.SuiteRows): the rows (check id, rule, excess, passed) of
# its rules, in the child process that ``_run`` starts (``rules`` loaded there)
SUITES = ("from pipelines.checks import SuiteRows\n"
          "def suites(rows):\n"
          "    return {'cnbudget.' + fam: SuiteRows.of([r for r in rows if rules[r[1]].family == fam])\n"
          "            for fam in sorted({r.family for r in rules.values()})}\n")


def test_gx_validates_and_builds_its_data_docs_with_sqlalchemy_absent(tmp_path):
    """The GX process hides SQLAlchemy (GX's optional SQL datasources, never used here): GX still validates the
    suites' frames — an arithmetic instance over its tolerance fails, one within it passes — and writes the Data
    Docs, and nothing imported SQLAlchemy."""
    gx_root = tmp_path / "gx"
    got = _run("import sys\n"
               "from pathlib import Path\n"
               "from pipelines.gxproc import defer_imports, hide_imports\n"
               "hide_imports()\n"
               "defer_imports()\n"
               "from pipelines.checks import _validate_here, load_rules\n"
               "rules = load_rules()\n"
               "rule = sorted(r.rule for r in rules.values() if r.value == 'excess')[0]\n"
               + SUITES +
               "frames = suites([('ok', rule, 0.0, None), ('bad', rule, 1.5, None)])\n"
               f"failed, per_rule, docs = _validate_here(frames, rules, Path({str(gx_root)!r}))\n"
               "print(sorted(failed), 'sqlalchemy' in sys.modules, Path(docs.removeprefix('file://')).is_file())\n")
    assert got == ["['bad']", "False", "True"]


def test_a_refresh_validates_in_its_gx_process_and_never_imports_gx_itself(tmp_path):
    """The GX process answers the build. Should it fail (it once did: a frame it could not unpickle), the build runs
    GX itself, findings intact but seconds slower, silently: this catches that. After a refresh with a GX process,
    GX was never imported in the refresh's own process, and the run has its GX verdict and Data Docs. Nor were
    pandas and pyarrow (0.4 s of CPU), nor altair (0.4 s): the checks hand GX plain lists, the dashboard reads plain
    rows and writes its charts' Vega-Lite specs as dicts — its page
    rendered here too, with its findings (this seed has two: its narrative's 部门全年预算数15385.49万元 against the
    expenditure table's 合计 15415.77, and 办公费16.4万元 against the basic expenditure table's 15.45; the page shows
    the exact decimals without trailing zeros)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import badinputs as B

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "pingxiang.txt").write_bytes(B.seed("001").read_bytes())
    wh = tmp_path / "wh" / "budget.duckdb"
    got = _run("import sys\n"
               "from pathlib import Path\n"
               "from pipelines import gxproc\n"
               "gxproc.start()\n"
               "from pipelines.refresh import refresh\n"
               f"s = refresh({str(raw)!r}, {str(wh)!r})\n"
               "gxproc.discard()\n"
               "from pipelines import dashboard\n"
               f"page = dashboard.render(Path({str(wh)!r})).read_text(encoding='utf-8')\n"
               "print(s['documents'], s['dq']['gx_success'] is not None, bool(s['dq']['data_docs']),\n"
               "      'great_expectations' in sys.modules, 'pandas' in sys.modules, 'pyarrow' in sys.modules,\n"
               "      'altair' in sys.modules,\n"
               "      s['dq']['findings'], page.count('<svg') >= 3,\n"
               "      '<td class=\"num\">15385.49</td><td class=\"num\">15415.77</td><td class=\"num\">30.28</td>' in page)\n")
    assert got == ["1", "True", "True", "False", "False", "False", "False", "2", "True", "True"]


def test_suites_streamed_to_the_gx_process_give_the_verdict_of_one_run(tmp_path):
    """The build streams each suite to the GX process as soon as its rules have run (checks.SuiteStream), so GX
    validates one suite while the build computes the next: the verdict — which instances failed, each rule's result
    — is the one GX gives on every suite at once in this process. A run whose suites have no instance at all does
    not involve GX (the process is not even taken); a streamed run never imports GX in the build's process."""
    streamed, here = tmp_path / "streamed", tmp_path / "here"
    got = _run("import sys\n"
               "from pathlib import Path\n"
               "from pipelines import gxproc\n"
               "from pipelines.checks import SuiteStream, _validate_here, load_rules, suite_order\n"
               "gxproc.start()\n"
               "rules = load_rules()\n"
               "ex = sorted(r.rule for r in rules.values() if r.value == 'excess')[:2]\n"
               "ps = sorted(r.rule for r in rules.values() if r.value == 'passed')[:1]\n"
               + SUITES +
               "frames = suites([('a', ex[0], 0.0, None), ('b', ex[0], 1.5, None), ('c', ex[1], 2.0, None),\n"
               "                 ('d', ps[0], None, True), ('e', ps[0], None, False)])\n"
               f"empty = SuiteStream(rules, Path({str(streamed)!r}))\n"
               "for name, f in suites([]).items():\n"
               "    empty.suite(name, f)\n"
               "print(empty.result() == (set(), {}, None), gxproc._WORKER is not None)\n"
               f"s = SuiteStream(rules, Path({str(streamed)!r}))\n"
               "for fam in suite_order(rules):\n"
               "    s.suite('cnbudget.' + fam, frames['cnbudget.' + fam])\n"
               "failed, per_rule, docs = s.result()\n"
               "gxproc.discard()\n"
               "print(''.join(sorted(failed)), 'great_expectations' in sys.modules,\n"
               "      Path(docs.removeprefix('file://')).is_file())\n"
               f"f2, p2, _ = _validate_here(frames, rules, Path({str(here)!r}))\n"
               "print(f2 == failed, p2 == per_rule, len(per_rule) == len(rules))\n")
    assert got == ["True", "True", "bce", "False", "True", "True", "True", "True"]
