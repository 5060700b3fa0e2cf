# Two commands for a newcomer: `make run` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install servers run test test-unit lint typecheck typecheck-k6 imports pytest fuzz load bench \
	redis-start redis-stop cluster-start cluster-stop pg-start pg-stop clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml ops/bootstrap.sh
	PYTHON=$(PYTHON) ops/bootstrap.sh $(VENV)
	@touch $@

run: install
	$(BIN)/redis-practice serve --host $(HOST) --port $(PORT)

test: install servers lint typecheck typecheck-k6 imports pytest

# The fast layer alone, in seconds: tests/unit needs no server and starts no process.
test-unit: install
	@$(MAKE) --no-print-directory pytest PYTEST_ARGS="tests/unit $(PYTEST_ARGS)"

# The contract and HTTP suites start their own redis-server and PostgreSQL cluster on free
# ports: install them when missing (as root); with CI=true a missing server fails the run
# instead of skipping tests.
servers:
	ops/redis.sh install
	ops/sentinel.sh install
	ops/postgres.sh install

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# The k6 TypeScript scenarios, checked with tsc against @types/k6 (k6 itself runs them unchecked).
typecheck-k6:
	ops/node.sh

# The curriculum's load runs into reports/ (LEVEL=1, 2, 3 or all).
LEVEL ?= all
load: install
	ops/load.sh $(LEVEL)

imports: install
	$(BIN)/lint-imports

redis-start:
	ops/redis.sh start

redis-stop:
	ops/redis.sh stop

# A Redis Cluster of 3 masters and 3 replicas on 127.0.0.1:7000-7005 (ops/cluster.sh).
cluster-start:
	ops/cluster.sh up

cluster-stop:
	ops/cluster.sh down

pg-start:
	ops/postgres.sh start

pg-stop:
	ops/postgres.sh stop

# pytest exits 5 when it collected nothing: a suite that ran no test has not passed.
pytest: install
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

# Schemathesis against the served OpenAPI document, longer than `make test` runs it.
FUZZ_EXAMPLES ?= 300
fuzz: install servers
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/fuzz $(PYTEST_ARGS)

# Micro-benchmarks on a real redis-server (started by the fixtures); prints the table of docs/performance.md.
bench: install servers
	@mkdir -p reports/bench
	$(BIN)/pytest -m benchmark --benchmark-only --benchmark-json=reports/bench/latest.json $(PYTEST_ARGS)
	$(BIN)/python ops/bench_table.py reports/bench/latest.json

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .benchmarks *.egg-info
