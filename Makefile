# One command for the demo, one for the tests. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

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
	$(BIN)/python -m pytest

bench: $(BIN)/.installed  ## scan benchmark, JSON on stdout
	$(BIN)/python bench/scan_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

install-systemd:  ## as root: service user, unit, udev rules, /etc/warehouse-edge/edge.toml
	install -Dm644 systemd/warehouse-edge.sysusers /usr/lib/sysusers.d/warehouse-edge.conf
	install -Dm644 systemd/warehouse-edge.tmpfiles /usr/lib/tmpfiles.d/warehouse-edge.conf
	systemd-sysusers && systemd-tmpfiles --create
	test -f /etc/warehouse-edge/edge.toml || sed 's#^data_dir = .*#data_dir = "/var/lib/warehouse-edge"#' edge.example.toml > /etc/warehouse-edge/edge.toml
	install -Dm644 systemd/90-warehouse-edge.rules /etc/udev/rules.d/90-warehouse-edge.rules
	install -Dm644 systemd/warehouse-edge.service /etc/systemd/system/warehouse-edge.service
	udevadm control --reload || true
	systemctl daemon-reload && systemctl enable --now warehouse-edge
