# Two commands do the whole set-up on a fresh machine with Python 3.11:
#   make run    virtual environment, install, language model when missing, then the product
#   make test   the same plus the test dependencies, then the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test nlu-train nlu-evaluate nlu-benchmark bench bench-e2e lint clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]' -c constraints.txt
	touch $(STAMP)

# the server when a chat token is configured, else the console chat
run: $(STAMP)
	@if $(BIN)/python -c "import sys; from config import load_settings; sys.exit(0 if load_settings().chat_enabled else 1)" 2>/dev/null; \
	then $(BIN)/chatcrm serve; else $(BIN)/chatcrm shell; fi

test: $(STAMP)
	$(BIN)/python -m pytest

nlu-train: $(STAMP)
	$(BIN)/chatcrm nlu train

nlu-evaluate: $(STAMP)
	$(BIN)/chatcrm nlu evaluate --data nlp_models/data/heldout.jsonl

nlu-benchmark: $(STAMP)
	for d in clinc150 banking77 hwu64 snips; do $(BIN)/chatcrm nlu benchmark --dataset $$d | tail -n 1; done

bench: $(STAMP)
	$(BIN)/python benchmarks/nlu_speed.py

bench-e2e: $(STAMP)
	$(BIN)/python benchmarks/console_e2e.py

# what CI checks before the tests: ruff, then the import contracts of pyproject.toml
# (the dev extra: ruff, import-linter and mypy at the versions in constraints.txt)
lint: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c constraints.txt
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var/nlu var/nlu.building
