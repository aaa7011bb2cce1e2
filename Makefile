# wangge: `make demo` sets everything up and serves the app; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := data/demo
HOST ?= 127.0.0.1
PORT ?= 8000

# Use DATABASE_URL when the caller sets it; otherwise the cluster the project owns.
ifeq ($(strip $(DATABASE_URL)),)
DATABASE_URL := $(shell scripts/localdb.sh url)
OWN_DB := 1
endif
export DATABASE_URL

.PHONY: demo test setup system venv lock db data serve bench stop-db clean

demo: setup db data serve

test: setup db
	$(BIN)/ruff check geo api web data tests bench
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: system venv

system:
	PYTHON=$(PYTHON) WANGGE_OWN_DB=$(OWN_DB) scripts/install-system.sh

venv: $(VENV)/.installed

# Exactly what requirements.lock pins (hashes checked, nothing resolved), then the project itself.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $@

# Resolve the dependencies of pyproject.toml with hashes, by uv, keeping today's pins where they
# still fit (`make lock UPGRADE=1` moves every package to the newest version allowed). Run on
# purpose only; then `make test`, the siting property suite in full (WANGGE_SITING_ALL=1) and
# `make bench` before committing the new lock.
UV_VERSION := 0.13.8
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --generate-hashes $(if $(UPGRADE),--upgrade) \
		--python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
		--custom-compile-command "make lock" -o requirements.lock
	rm -f $(VENV)/.installed

db:
ifdef OWN_DB
	scripts/localdb.sh start
endif
	$(BIN)/wangge migrate

data: db
	$(BIN)/wangge generate $(DEMO_DIR)
	$(BIN)/wangge load $(DEMO_DIR) --replace
	$(BIN)/wangge import-incidents $(DEMO_DIR)/incidents.csv --good-rows-only
	$(BIN)/wangge import-history $(DEMO_DIR)/incident_history.csv
	$(BIN)/wangge user demo
	$(BIN)/wangge circles
	$(BIN)/wangge gaps
	$(BIN)/wangge site --kind 全部 --k 5 --name "新增5处驿站（全部类型）" --replace
	$(BIN)/wangge site --kind 全部 --target 95 --name "覆盖95%所需最少站点" --replace

# Benchmarks print our figures beside their references (see bench/README.md); about 20 minutes.
bench: setup db
	$(BIN)/python -m bench.nearest
	$(BIN)/python -m bench.assign
	$(BIN)/python -m bench.intake
	$(BIN)/python -m bench.duplicates
	$(if $(OWN_DB),$(BIN)/python -m bench.faults,@echo "bench.faults: skipped, it stops the database server and runs only on the project's own cluster")
	$(BIN)/python -m bench.siting
	$(BIN)/python -m bench.maps
	$(BIN)/python -m bench.reach
	$(BIN)/python -m bench.circles
	$(BIN)/python -m bench.desk
	$(BIN)/python -m bench.dashboard

serve:
	$(BIN)/wangge serve --host $(HOST) --port $(PORT)

stop-db:
	scripts/localdb.sh stop

clean:
	-scripts/localdb.sh stop
	rm -rf $(VENV) .wangge $(DEMO_DIR)
