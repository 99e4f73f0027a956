# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app workshop
HOST ?= 127.0.0.1
PORT ?= 5000
# PostgreSQL used by the second test run (skipped when unreachable, except under CI=true).
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

# Debian packages the tests use: pdftotext/pdftoppm (PDF checks), Chromium (browser tests,
# screenshots), Thai fonts for the browser, Caddy (HTTPS at a venue, `make serve`) and NSS's
# certutil (the browser test trusts Caddy's CA as a phone would), npm (axe-core for the
# accessibility test). Installed when missing and we may use apt-get.
# Each command with the package that brings it: only the packages of missing commands are
# installed, so a machine whose Node.js (and npm) came from elsewhere is not asked for Debian's
# npm, which conflicts with it. The Thai fonts come with Chromium.
SYSTEM_COMMANDS := pdftotext:poppler-utils pdftoppm:poppler-utils chromium:chromium \
	caddy:caddy certutil:libnss3-tools npm:npm

.PHONY: run serve test install lint test-sqlite test-postgres translations clean system-deps reload e2e-tools

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

instance/.demo-seeded: | $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) seed-demo >/dev/null  # the accounts are printed below, every run
	touch $@

# The demo's office in the header and footer (WORKSHOP_OFFICE_*; set your own to override).
run: export WORKSHOP_OFFICE_NAME ?= สำนักงานพัฒนาชุมชนจังหวัดพิษณุโลก
run: export WORKSHOP_OFFICE_NAME_EN ?= Phitsanulok Provincial Community Development Office
run: export WORKSHOP_OFFICE_PHONE ?= 055 245 062
run: install
	$(FLASK) db upgrade
	@$(MAKE) --no-print-directory instance/.demo-seeded
	@echo
	@echo "Demo accounts (email / password / role):"
	@$(BIN)/python -c "from workshop.services.demo import DEMO_ACCOUNTS as A; [print(f'  {a.email:<34} {a.password:<20} {a.role}') for a in A]"
	@echo
	@echo "Open http://$(HOST):$(PORT)/"
	$(FLASK) run --host $(HOST) --port $(PORT)

# The app as at a venue: gunicorn behind Caddy's HTTPS with its own CA, reachable from phones
# on the LAN (deploy/serve.sh prints the address and how to trust the CA on Android and iOS).
serve: install system-deps
	$(FLASK) db upgrade
	deploy/serve.sh

# Browser-test tools from npm, pinned by tests/e2e/package-lock.json: axe-core, which
# tests/e2e/test_accessibility.py injects into every page state (node_modules is git-ignored).
E2E_TOOLS := tests/e2e/node_modules/axe-core/axe.min.js

$(E2E_TOOLS): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	touch $@

e2e-tools: $(E2E_TOOLS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: install
	@echo "== SQLite"
	$(BIN)/pytest

test-postgres: install
	@if $(BIN)/python -m tests.postgres_available "$(TEST_POSTGRES_URL)"; then \
		echo "== PostgreSQL: $(TEST_POSTGRES_URL)"; \
		WORKSHOP_TEST_DATABASE_URL="$(TEST_POSTGRES_URL)" $(BIN)/pytest; \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "PostgreSQL at $(TEST_POSTGRES_URL) is not reachable, and CI=true needs it" >&2; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(TEST_POSTGRES_URL): PostgreSQL run skipped"; \
	fi

system-deps:
	@missing=""; packages=""; \
	for pair in $(SYSTEM_COMMANDS); do \
		command -v $${pair%%:*} >/dev/null || { missing="$$missing $${pair%%:*}"; packages="$$packages $${pair#*:}"; }; \
	done; \
	if [ -n "$$missing" ]; then \
		case "$$missing" in *chromium*) packages="$$packages fonts-thai-tlwg";; esac; \
		packages=$$(echo $$packages | tr ' ' '\n' | sort -u | tr '\n' ' '); \
		echo "== installing Debian packages for:$$missing ($$packages)"; \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$packages >/dev/null; \
		else \
			echo "missing:$$missing; install the Debian packages $$packages" >&2; exit 1; \
		fi; \
	fi

# The SQLite and PostgreSQL runs go side by side (the PostgreSQL one spends much of its time
# waiting for the server); each run's output is printed whole when it ends.
test: system-deps lint e2e-tools
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# English catalog: extract the Thai msgids, merge them into the .po, compile the .mo.
# New or changed strings come out untranslated or fuzzy: translate them in
# workshop/translations/en/LC_MESSAGES/messages.po, then run this again.
TRANSLATIONS := workshop/translations

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project workshop \
		--copyright-holder "workshop" -o $(TRANSLATIONS)/messages.pot .
	@if [ -f $(TRANSLATIONS)/en/LC_MESSAGES/messages.po ]; then \
		$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l en \
			--ignore-obsolete; \
	else \
		$(BIN)/pybabel init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l en; \
	fi
	$(BIN)/pybabel compile -d $(TRANSLATIONS) -l en --statistics

# Production gunicorn (deploy/gunicorn.conf.py, README "Production") takes new code without
# refusing or holding a request: a new master loads it, then the old one stops gracefully.
reload:
	deploy/reload.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
