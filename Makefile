# Meedoen Zuid-Limburg — every set-up step in one place.
#   make run    set up everything and serve on http://127.0.0.1:$(PORT)
#   make test   the same set-up, then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
# Two workers (the machines have two cores); each has its own database.
PYTEST_ARGS ?= -n 2 -q
export FLASK_APP := wsgi.py
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test setup install install-dev compile-translations translations migrate seed browser pytest clean

run: setup
	@echo ""
	@echo "  Meedoen Zuid-Limburg runs at http://127.0.0.1:$(PORT)  (stop with Ctrl+C)"
	@echo ""
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install-dev setup browser pytest

setup: install compile-translations migrate seed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

compile-translations: install
	@$(BIN)/pybabel compile -d translations >/dev/null

# Extract every marked string and merge it into the four catalogues. --ignore-dirs '.*':
# without it Babel also skips folders starting with "_" (templates/_partials, _macros).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.*' -o translations/messages.pot --no-location --sort-output --project "Meedoen Zuid-Limburg" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete -w 0
	$(BIN)/python scripts/fill_english.py

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed --demo

# Browser tests drive Debian's Chromium; as root on Debian we install it when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium for the browser tests (apt-get)…"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "Could not install Chromium: browser tests will skip (or fail where REQUIRE_CHROMIUM=1)."; \
	  else echo "Chromium is missing: browser tests will skip (install the 'chromium' package)."; fi; }

pytest: install-dev compile-translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo ""; echo "== The whole suite again on PostgreSQL ($$TEST_DATABASE_URL) =="; \
	  TEST_DB=postgresql $(BIN)/python -m pytest $(PYTEST_ARGS); \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
	  echo "REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not: PostgreSQL was not tested."; exit 1; \
	else \
	  echo ""; echo "NOTE: ran on SQLite only. Set TEST_DATABASE_URL=postgresql+psycopg://… to run the suite on PostgreSQL too."; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache translations/*/LC_MESSAGES/*.mo
