# cxmetrics: two commands do everything on a fresh Debian machine with Python 3 and make.
#   make run    install, build the demo database on first run, start the dashboard
#   make test   install everything the tests need (Debian chromium included), run all tests
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test install system-deps demo bench lint clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV) || { \
	  echo "python3-venv missing: installing it with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && $(PY) -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# Debian's chromium (Playwright's own browser download is not reachable here), emoji
# fonts for screenshots, poppler-utils to check exported PDFs.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdftoppm >/dev/null; then \
	  echo "installing Debian packages: chromium fonts-noto-color-emoji poppler-utils"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium fonts-noto-color-emoji poppler-utils >/dev/null; \
	fi
	@# A Java runtime for the Spark engine's tests (pyspark runs Spark in a local JVM).
	@if ! command -v java >/dev/null; then \
	  echo "installing Debian packages: openjdk-17-jre-headless"; \
	  apt-get update -qq && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    openjdk-17-jre-headless >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    default-jre-headless >/dev/null; }; \
	fi

demo: $(STAMP)
	$(BIN)/cxm demo

run: demo
	$(BIN)/python -m cxmetrics.ui.serve --server.port $(PORT) --server.headless true

test: $(STAMP) system-deps
	$(BIN)/pytest -n 2 --dist loadgroup -m "not bench" --timeout 600

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --sizes 1M,10M,30M

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data/*.duckdb data/*.duckdb.wal data/*.snapshots data/demo
