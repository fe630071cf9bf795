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

.PHONY: setup browser run test bench soak lint validate clean proto fuzz network network-map

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
	@$(MAKE) --no-print-directory browser
	@# Compile the numba search kernel once into its on-disk cache (engine/routing/__pycache__), so neither the
	@# first test nor the first served query pays the ~10-20 s compilation.
	@$(UV) run --frozen --no-sync python -c "from engine.routing.kernel import warm_up; warm_up()"

# Headless Chromium for the study report test (tests/studies/test_cli_study.py), from Debian when missing.
# Idempotent: nothing happens when either binary is on PATH; without apt-get or root it only warns.
browser:
	@if ! command -v chromium-headless-shell >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null) \
	      || echo "warning: could not install chromium-headless-shell; the report rendering test will skip"; \
	  else \
	    echo "warning: install chromium-headless-shell (Debian) for the report rendering test"; \
	  fi; \
	fi

# Regenerate the Python gRPC code and its type stubs from proto/ (the only way to change them). The command is
# written once, in proto/generate.py; the drift test runs the same script.
proto: setup
	.venv/bin/python proto/generate.py engine/service/gen

# Serves the shipped network over gRPC (corridor.v1) on 127.0.0.1:50051 and prints how to call it.
run: setup
	$(UV) run --frozen --no-sync corridor serve --network $(NETWORK) --address $(ADDRESS)

test: setup
	$(UV) run --frozen --no-sync pytest -q

# Hypothesis fuzzing of every RPC against a real server, longer than the suite's bounded run (FUZZ_EXAMPLES per
# RPC, random seeds). Any INTERNAL, UNKNOWN or hang fails with the falsifying request.
FUZZ_EXAMPLES ?= 2000
fuzz: setup
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(UV) run --frozen --no-sync pytest -q -s --timeout 0 tests/contract/test_fuzz.py

validate: setup
	$(UV) run --frozen --no-sync corridor network validate $(NETWORK)

# Re-derives coordinates (GeoNames, airportsdata) and distances (OSM rail/road graphs, MARNET sea lanes) into the
# network's CSVs with their source keys (graphs/build/README.md), then shows what changed. The CSVs stay the
# committed truth; the build's packages (~300 MB) are installed only here, never by setup or test.
network: setup
	$(UV) run --frozen --group network-build python graphs/build/build_network.py $(NETWORK)
	$(UV) run --frozen --group network-build --group dev python graphs/build/geometry.py $(NETWORK)
	$(UV) run --frozen --no-sync corridor network validate $(NETWORK)
	git diff --stat -- $(NETWORK)

# Draws the network by mode on the shipped country outlines to $(NETWORK)/network-map.png (offline: Altair and
# vl-convert) and rewrites the coverage table of its README (graphs/build/network_map.py).
network-map: setup
	$(UV) run --frozen --no-sync python graphs/build/network_map.py $(NETWORK)

# Benchmarks write benchmarks/results/; BENCH=routing runs one of them (the seeded and the realistic China → Europe
# mix with networkx, scipy and Martins beside it), BENCH=scale the scale curves (shipped, 1k, 10k, 100k synthetic
# nodes; SCALE_SIZES=shipped,1000 limits them).
bench: setup
	$(UV) run --frozen --no-sync python -m benchmarks $(BENCH)

# Ten minutes at 80 % of the measured peak on the China → Europe mix (streams and cancellations included):
# errors (must be 0), p50/p99 per minute, RSS of every process; writes benchmarks/results/soak.{json,md}.
SOAK_S ?= 600
soak: setup
	$(UV) run --frozen --no-sync python -m benchmarks.soak --duration-s $(SOAK_S)

lint: setup
	$(UV) run --frozen --no-sync ruff check engine tests benchmarks proto
	$(UV) run --frozen --no-sync ruff format --check engine tests benchmarks proto
	$(UV) run --frozen --no-sync mypy

clean:
	rm -rf $(TOOLS) .venv .pytest_cache .mypy_cache .ruff_cache
