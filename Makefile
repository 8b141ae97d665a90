# make run             - create .venv if missing, install the pinned requirements, start the app
# make test            - same environment plus the test requirements, ruff, then the whole suite, then its
#                        Mac-device tests again under the MPS-rules mode (PLAYGROUND_MPS_RULES=1)
# make test-mps        - the whole suite under the MPS-rules mode: what a Mac's torch mps enforces
# make doctor          - the self-check of every library x device; writes doctor-report.json
# make check-mac-pins  - prove every pin has a macOS 14 arm64 wheel for Python 3.11-3.14 (uv, PyPI)
# PYTHON=/path/to/python3.13 make run   picks the interpreter used to create .venv

VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

# Interpreters tried, newest first; scripts/check_python.py decides (Python 3.11-3.14, and on a Mac
# an arm64 build on macOS 14+). Each is run, not just looked up: a pyenv shim for a version that
# is not active exists but fails.
CANDIDATES := python3.14 python3.13 python3.12 python3.11 python3
PYTHON ?= $(shell for p in $(CANDIDATES); do \
	command -v $$p >/dev/null 2>&1 && $$p scripts/check_python.py >/dev/null 2>&1 \
	&& { command -v $$p; break; }; done)

# Under the MPS-rules mode (kernels/backends/mps_rules.py) the machine has a torch `mps` device that
# keeps a Mac's rules: the tests parametrised over each (library, device) run again on it, every Learn
# page and its notebook run with their PyTorch cells on `mps`. About 40 s; `make test-mps` runs all.
MPS_RULES_PASS := -m "not browser" -k "(mps and not test_mps_rules) or test_notebook or test_pages or test_learn_creating"

.PHONY: run test test-mps doctor check-mac-pins clean

run: $(VENV)/.installed
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest
	PLAYGROUND_MPS_RULES=1 $(BIN)/python -m pytest -q $(MPS_RULES_PASS)

test-mps: $(VENV)/.installed-test
	PLAYGROUND_MPS_RULES=1 $(BIN)/python -m pytest

doctor: $(VENV)/.installed
	$(BIN)/python -m kernels.doctor --out doctor-report.json

check-mac-pins: $(VENV)/.installed-test
	$(BIN)/python scripts/check_mac_pins.py

$(VENV)/bin/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "No usable Python among: $(CANDIDATES)." >&2; \
		for p in $(CANDIDATES); do command -v $$p >/dev/null 2>&1 && $$p -c '' >/dev/null 2>&1 \
			&& $$p scripts/check_python.py; done; \
		echo "Install Python 3.11-3.14 (python.org, or e.g. 'brew install python@3.13'; on a Mac an arm64 build) or run 'make PYTHON=/path/to/python3.13 $(MAKECMDGOALS)'." >&2; \
		exit 1; fi
	@$(PYTHON) scripts/check_python.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt $(VENV)/.installed
	$(BIN)/python -m pip install -r requirements-test.txt
	touch $@

clean:
	rm -rf $(VENV) artifacts .pytest_cache
