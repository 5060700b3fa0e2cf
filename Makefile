# Two commands for a newcomer: `make run` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test lint typecheck imports pytest bench clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml ops/bootstrap.sh
	PYTHON=$(PYTHON) ops/bootstrap.sh $(VENV)
	@touch $@

run: install
	$(BIN)/redis-practice serve --host $(HOST) --port $(PORT)

test: install lint typecheck imports pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

# pytest exits 5 when it collected nothing: a suite that ran no test has not passed.
pytest: install
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

bench: install
	$(BIN)/pytest -m benchmark --benchmark-only $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .benchmarks *.egg-info
