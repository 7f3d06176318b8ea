"""GX keeps the validation results (and Data Docs pages) of the last builds only: the Data Docs index lists every
stored result, and a nightly refresh would otherwise grow it — and the time to build it — without end."""
from __future__ import annotations

import shutil

from pipelines.checks import gx_checkpoint, load_rules, prune_validation_results
from pipelines.config import gx_dir


def test_old_validation_results_and_their_pages_go(seed_warehouse, tmp_path):
    root = tmp_path / "gx"
    shutil.copytree(gx_dir(seed_warehouse[0]), root)
    base = root / "gx" / "uncommitted"
    suites = sorted(p for p in (base / "validations").glob("*/*/*") if p.is_dir())
    # one suite per family, each validated once by the seed build
    assert [s.relative_to(base / "validations").parts[1] for s in suites] == [
        "arithmetic", "completeness", "cross_table", "dimensions", "narrative", "ocr", "parse", "performance", "text"]
    runs = {s: sorted(s.iterdir()) for s in suites}
    assert all(len(r) == 1 for r in runs.values())
    # three older builds of every suite, their results and pages as GX stores them
    older = ["20200101T000000.000001Z", "20200102T000000.000001Z", "20200103T000000.000001Z"]
    for s, (current,) in runs.items():
        page = base / "data_docs" / "local_site" / current.relative_to(base)
        assert page.is_dir()
        for t in older:
            shutil.copytree(current, s / t)
            shutil.copytree(page, page.parent / t)
    assert prune_validation_results(root, keep=2) == 2 * len(suites)
    for s, (current,) in runs.items():
        assert sorted(p.name for p in s.iterdir()) == [older[-1], current.name]
        pages = base / "data_docs" / "local_site" / s.relative_to(base)
        assert sorted(p.name for p in pages.iterdir()) == [older[-1], current.name]
    # the index built afterwards lists what is kept, not what went
    ctx, _ = gx_checkpoint(load_rules(), root)
    ctx.build_data_docs()
    index = (base / "data_docs" / "local_site" / "index.html").read_text(encoding="utf-8")
    assert "20200103T000000.000001Z" in index
    assert "20200101T000000.000001Z" not in index and "20200102T000000.000001Z" not in index
    assert prune_validation_results(root, keep=2) == 0
