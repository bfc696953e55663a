VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo drill test lint typecheck unit bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	@$(BIN)/ftw-observe demo

drill: setup
	@$(BIN)/ftw-observe demo --drill

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ftw_observe marketplace exporters tests benchmarks
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy ftw_observe marketplace exporters tests benchmarks

bench: setup
	$(BIN)/python benchmarks/instrumentation_overhead.py
	$(BIN)/python benchmarks/marketplace_load.py
	$(BIN)/python benchmarks/marketplace_cpu.py
	$(BIN)/python benchmarks/loadgen_capacity.py
	$(BIN)/python benchmarks/exporter_scrape.py
	$(BIN)/python benchmarks/engine_cycle.py
	$(BIN)/python benchmarks/alert_delivery.py
	$(BIN)/python benchmarks/time_to_page.py
	$(BIN)/python benchmarks/backfill.py
	$(BIN)/python benchmarks/rule_cost.py

clean:
	rm -rf .ftw .pytest_cache .mypy_cache .ruff_cache
