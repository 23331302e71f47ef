VENV := .venv
BIN := $(VENV)/bin
# Debian's CPython 3.11 is built with profile-guided and link-time optimisation: here it runs
# the record import about an eighth quicker than pyenv's build without them, and plain Python a
# quarter quicker (`docs/benchmarks.md`). Else any python3; PYTHON chooses.
PYTHON ?= $(shell /usr/bin/python3.11 -c 'import ensurepip, venv' 2>/dev/null && echo /usr/bin/python3.11 || echo python3)
export FLASK_APP := wsgi.py

.PHONY: setup run test bench-rescore bench-verify bench-intake translations

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# the system packages first: they may bring the interpreter's venv module
setup:
	bash scripts/system-deps.sh
	$(MAKE) --no-print-directory $(BIN)/.installed

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	BIN=$(BIN) scripts/run.sh

test: setup
	$(BIN)/pytest

bench-rescore: setup
	$(BIN)/python bench/rescore.py

bench-verify: setup
	$(BIN)/python bench/verify.py

bench-intake: setup
	$(BIN)/python bench/intake.py

# extract every user-facing string from app/, merge into the zh_CN catalogue, compile it
translations: $(BIN)/.installed
	mkdir -p app/translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot \
		--sort-output --no-location app/
	@if [ -f app/translations/zh_CN/LC_MESSAGES/messages.po ]; then \
		$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -l zh_CN \
			--no-fuzzy-matching --ignore-obsolete; \
	else \
		$(BIN)/pybabel init -i app/translations/messages.pot -d app/translations -l zh_CN; \
	fi
	$(BIN)/pybabel compile -d app/translations
