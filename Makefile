VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: setup run test bench-rescore bench-verify

$(BIN)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed
	bash scripts/system-deps.sh

run: setup
	$(BIN)/flask db upgrade heads
	$(BIN)/flask demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/pytest

bench-rescore: setup
	$(BIN)/python bench/rescore.py

bench-verify: setup
	$(BIN)/python bench/verify.py
