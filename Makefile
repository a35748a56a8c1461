# One command for the demo, one for the tests. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The suite runs in this many worker processes (pytest-xdist), each test file whole in one of them
# (a file's module-scoped demo, central or browser starts once). Most of a test's time is waiting
# (sync polls, processes starting, browsers), so more workers than cores pays: measured on 2 cores.
TEST_WORKERS ?= 3

.PHONY: demo test bench clean install-systemd

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed  ## start the demo edge (Ctrl-C to stop)
	$(BIN)/warehouse-edge demo

test: $(BIN)/.installed  ## start the test services, lint, format and type check, then the whole test suite
	bash scripts/services.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: $(BIN)/.installed  ## scan benchmark, JSON on stdout
	$(BIN)/python bench/scan_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

install-systemd: $(BIN)/.installed  ## as root: service user, unit, udev rules, /etc/warehouse-edge/edge.toml (from the package)
	$(BIN)/warehouse-edge install-systemd
	systemd-sysusers && systemd-tmpfiles --create
	udevadm control --reload || true
	systemctl daemon-reload && systemctl enable --now warehouse-edge warehouse-edge-backup.timer
