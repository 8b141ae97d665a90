# make run   - create .venv if missing, install the pinned requirements, start the app
# make test  - same environment plus the test requirements, then the whole suite
# PYTHON=/path/to/python3.12 make run   picks the interpreter used to create .venv

VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

# The pinned torch and mlx need Python 3.10 or newer (macOS's bundled python3 may be older).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3.10 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] < (3, 15))' 2>/dev/null \
	&& { command -v $$p; break; }; done)

.PHONY: run test clean

run: $(VENV)/.installed
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

$(VENV)/bin/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "No Python 3.10-3.14 found: install one (e.g. 'brew install python@3.12' or python.org) or run 'make PYTHON=/path/to/python3.12 $(MAKECMDGOALS)'." >&2; \
		exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 10))' || { \
		echo "$(PYTHON) is older than Python 3.10, which the pinned torch and mlx need: pass PYTHON=/path/to/python3.12." >&2; exit 1; }
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
