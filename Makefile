# The README's commands. `make run` serves the shipped network; `make test` runs the whole suite.
# Both set everything up first (a private uv in .tools/, the locked environment in .venv/).

PYTHON ?= python3
UV_VERSION ?= 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
NETWORK ?= graphs/middle_corridor
ADDRESS ?= 127.0.0.1:50051

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv

.PHONY: setup run test bench lint validate clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Creates or refreshes .venv from uv.lock (no resolution: the lock is the truth).
setup: $(UV)
	$(UV) sync --frozen --quiet

run: setup
	$(UV) run --frozen --no-sync corridor network show $(NETWORK)

test: setup
	$(UV) run --frozen --no-sync pytest -q

validate: setup
	$(UV) run --frozen --no-sync corridor network validate $(NETWORK)

# Benchmarks write benchmarks/results/; BENCH=routing runs one of them.
bench: setup
	$(UV) run --frozen --no-sync python -m benchmarks $(BENCH)

lint: setup
	$(UV) run --frozen --no-sync ruff check engine tests benchmarks
	$(UV) run --frozen --no-sync ruff format --check engine tests benchmarks
	$(UV) run --frozen --no-sync mypy

clean:
	rm -rf $(TOOLS) .venv .pytest_cache .mypy_cache .ruff_cache
