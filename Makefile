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

.PHONY: setup run test bench lint validate clean proto network

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Creates or refreshes .venv from uv.lock (no resolution: the lock is the truth). The generated gRPC code is
# committed (engine/service/gen, from proto/ by `make proto`); the Node client used by the contract tests is
# installed when Node.js is present.
setup: $(UV)
	$(UV) sync --frozen --quiet
	@if command -v npm >/dev/null 2>&1; then \
	  [ -d tests/contract/node/node_modules ] || npm ci --prefix tests/contract/node --no-audit --no-fund --silent; \
	fi

# Regenerate the Python gRPC code and its type stubs from proto/ (the only way to change them).
GEN := engine/service/gen
proto: setup
	rm -rf $(GEN)/corridor
	mkdir -p $(GEN)/corridor/v1
	PATH="$(CURDIR)/.venv/bin:$$PATH" .venv/bin/python -m grpc_tools.protoc -Iproto \
	  --python_out=$(GEN) --grpc_python_out=$(GEN) --mypy_out=$(GEN) --mypy_grpc_out=$(GEN) \
	  $$(find proto -name '*.proto' | sort)
	touch $(GEN)/corridor/__init__.py $(GEN)/corridor/v1/__init__.py

# Serves the shipped network over gRPC (corridor.v1) on 127.0.0.1:50051 and prints how to call it.
run: setup
	$(UV) run --frozen --no-sync corridor serve --network $(NETWORK) --address $(ADDRESS)

test: setup
	$(UV) run --frozen --no-sync pytest -q

validate: setup
	$(UV) run --frozen --no-sync corridor network validate $(NETWORK)

# Re-derives coordinates (GeoNames, airportsdata) and distances (OSM rail/road graphs, MARNET sea lanes) into the
# network's CSVs with their source keys (graphs/build/README.md), then shows what changed. The CSVs stay the
# committed truth; the build's packages (~300 MB) are installed only here, never by setup or test.
network: setup
	$(UV) run --frozen --group network-build python graphs/build/build_network.py $(NETWORK)
	$(UV) run --frozen --no-sync corridor network validate $(NETWORK)
	git diff --stat -- $(NETWORK)

# Benchmarks write benchmarks/results/; BENCH=routing runs one of them.
bench: setup
	$(UV) run --frozen --no-sync python -m benchmarks $(BENCH)

lint: setup
	$(UV) run --frozen --no-sync ruff check engine tests benchmarks
	$(UV) run --frozen --no-sync ruff format --check engine tests benchmarks
	$(UV) run --frozen --no-sync mypy

clean:
	rm -rf $(TOOLS) .venv .pytest_cache .mypy_cache .ruff_cache
