# Two commands a newcomer needs: `make run` and `make test`. Both set up what is missing first.
.PHONY: setup run services test lint train bench backtest simulate lock clean

PY := .venv/bin/python

setup:
	@MAKE_TARGET=$(firstword $(MAKECMDGOALS)) bash scripts/setup.sh

run: setup
	@$(PY) -m stack run --demo 2000

# The NLU service and the action server alone: plain `rasa shell`, `rasa test`, `rasa interactive`.
services: setup
	@$(PY) -m stack services

test: setup
	@$(PY) -m pytest

lint: setup
	@$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy crm actions dialogue nlu bot stack bench outreach web fakes proactive outcomes console

train: setup
	@$(PY) -m stack train

bench: setup
	@$(PY) bench/import_online_retail.py

# Replenishment, churn and offers backtested on the real Online Retail data (docs/outcomes.md).
backtest: setup
	@$(PY) bench/backtest.py

# The demo shop for simulated months with the engine on: uplift recovered, harm paused (docs/outcomes.md).
simulate: setup
	@$(PY) -m outcomes simulate

# Re-resolve both lock files from requirements/*.in (needs the package registries).
lock:
	@bash scripts/lock.sh

clean:
	rm -rf .venv .venv-rasa var models web/node_modules .pytest_cache .mypy_cache .ruff_cache
