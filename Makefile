# cnbudget — two commands: `make run` (build the warehouse from data/raw) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)

.PHONY: run test bench bench-scale score setup browser office dagster lock samples clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $(STAMP)

## (the package's bytecode compiled as pip compiles an installed wheel's: where PYTHONDONTWRITEBYTECODE is set, every
## process — the refresh, each of its workers, its GX process — would otherwise compile pipelines/ again, ~0.1 s each)
setup: $(STAMP)
	$(BIN)/python -m compileall -q pipelines

## Refresh the warehouse data/warehouse/budget.duckdb from the bundled documents in data/raw/.
run: setup
	$(BIN)/cnbudget refresh

## Headless Chromium + CJK font for the dashboard test (Debian packages; installs only what is missing).
browser:
	bash tools/ensure-browser.sh

## LibreOffice Calc (headless) for the export test: exported CSV / xlsx must open with their Chinese intact.
office:
	bash tools/ensure-office.sh

## The whole test suite.
test: setup browser office
	$(BIN)/python -m pytest -q

## Benchmarks (ratios measured in one run; not part of the tests).
bench: setup
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/warehouse.py
	$(BIN)/python bench/dagster_overhead.py --skip-overhead
	$(BIN)/python bench/dagster_overhead.py --skip-noop --docs 600
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/ocr.py
	$(BIN)/python bench/scale.py

## Scale only (issue 16): nothing new / one new / full refresh at 100, 1,000, 10,000 forged documents through the CLI;
## forged corpora cached in data/bench-cache/. SCALE_ARGS="--max-docs 1000" skips the 10,000 point.
bench-scale: setup
	$(BIN)/python bench/scale.py $(SCALE_ARGS)

## Corpus scoreboard over ../shared/real (scratch warehouse under data/warehouse/score/; JSON beside it).
## SCORE_ARGS="--compare before.json" lists what changed since an earlier run.
score: setup
	$(BIN)/cnbudget score --raw ../shared/real --truth tests/data/real_metadata.csv $(SCORE_ARGS)

## Dagster UI on http://127.0.0.1:3000 with the instance kept under .dagster_home/.
dagster: setup
	mkdir -p .dagster_home && cp dagster.yaml .dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(BIN)/dagster dev -m pipelines.definitions

## Re-render the bundled sample PDFs from ../shared/seeds.
samples: setup
	$(BIN)/cnbudget render-samples --seeds ../shared/seeds --out data/raw

## Re-resolve the pinned lock file from pyproject.toml in a scratch environment (the lock is the whole closure:
## `setup` installs it with --no-deps; opencv-python, which rapidocr-onnxruntime declares, is left out for the
## headless build camelot already brings).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv && .lockenv/bin/pip install --quiet -e '.[test]' \
	  && .lockenv/bin/pip uninstall --quiet -y opencv-python \
	  && .lockenv/bin/pip freeze --exclude-editable > requirements.lock && rm -rf .lockenv

clean:
	rm -rf data/warehouse .dagster_home
