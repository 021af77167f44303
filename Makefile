# Two commands for a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install guardrails pytest messages messages-update clean screenshots

$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

messages: $(STAMP)
	cd infobase && ../$(BIN)/infobase compilemessages --ignore '.venv' -v0

# The address the demo's e-mails and links name is the one it serves on (unless SITE_URL is set).
demo: export SITE_URL ?= http://$(HOST):$(PORT)
demo: install messages
	$(BIN)/infobase migrate --noinput -v0
	$(BIN)/infobase load-reference
	$(BIN)/infobase demo-data --scale small --seed 1
	$(BIN)/infobase send-reminders
	$(BIN)/infobase collectstatic --noinput -v0
	@echo ""
	@echo "Infobase is starting at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo "Demo logins (illustrative accounts, password infobase-demo):"
	@echo "  secretariat      Secretariat staff (administers everything; also /admin/)"
	@echo "                   first sign-in enrols an authenticator app (TOTP key shown as text and QR code)"
	@echo "  focal.egypt      State focal point for Egypt (Arabic interface)"
	@echo "  focal.senegal    State focal point for Senegal (French interface)"
	@echo "  delegate.mexico  Working-group member for Mexico (chair, Bureau)"
	@echo "  donor            Donor (Demonstration Donor Fund)"
	@echo "Reports are produced in the background by a worker started beside the server."
	trap 'kill 0' EXIT; $(BIN)/infobase db_worker --interval 1 -v0 & \
	$(BIN)/infobase runserver --insecure --noreload $(HOST):$(PORT)

guardrails: install messages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/infobase check --fail-level WARNING
	$(BIN)/infobase makemigrations --check --dry-run
	$(BIN)/python scripts/check_messages.py

# The suite runs on every core (pytest-xdist; one test database per worker), each test file on
# one worker so that a module's shared demo data is loaded once; the slowest 15 are printed.
TEST_WORKERS ?= auto
pytest: install messages
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=15

test: guardrails pytest

# Screenshots of each role's pages in Arabic and English, 1366 and 390 px wide, to look at by eye
# (INFOBASE_SHOTS=DIR, default /tmp/browser-shots/).
screenshots: install messages
	$(BIN)/pytest -q -p no:xdist tests/browser/screenshots.py

clean:
	rm -rf $(VENV) var/static

# Re-extract the translatable strings of every app into its catalogs (then translate them).
messages-update: $(STAMP)
	for app in core accounts reference questionnaires needs activities funding meetings reports demo home api; do \
	  (cd infobase/$$app && mkdir -p locale && ../../$(BIN)/infobase makemessages --no-obsolete -v0 \
	    -l en -l ar -l fr -l zh_Hans -l ru -l es); \
	done
