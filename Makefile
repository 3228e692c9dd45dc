# Proficio's everyday commands. `make run` and `make test` set up everything they need first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
HOST_PORT ?= 127.0.0.1:8000
# Two cores on the reference machine: two test processes keep both busy.
TEST_WORKERS ?= 2

.PHONY: run test bench setup system-deps migrate demo check-migrations clean-venv

$(BIN)/python:
	@PY=$$(scripts/find-python) && echo "Creating $(VENV) with $$PY" && "$$PY" -m venv $(VENV)

# Reinstalls only when a requirements file changed since the last install.
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

system-deps:
	@scripts/system-deps

setup: system-deps $(STAMP)

migrate: setup
	@DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput -v 0

# DEMO=0 skips the demo organisation (e.g. when DATABASE_URL points at a database with real people).
demo: migrate
	@if [ "$${DEMO:-1}" != "0" ]; then DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo; fi

# Links in emails (invitations, reviews) point at the server make run starts unless SITE_URL says otherwise.
run: export SITE_URL ?= http://$(HOST_PORT)
run: demo
	@echo "Proficio is starting at http://$(HOST_PORT)/ (Ctrl+C stops it)"
	@if [ -n "$${REDIS_URL:-}" ]; then \
		echo "REDIS_URL is set: web, Celery worker and beat start together (Procfile)"; \
		DEBUG=$${DEBUG:-true} WEB_BIND=$${HOST_PORT%:*} $(BIN)/honcho start -p $${HOST_PORT##*:}; \
	else \
		echo "No REDIS_URL: tasks run in-process"; \
		DEBUG=$${DEBUG:-true} $(BIN)/python manage.py runserver $(HOST_PORT); \
	fi

test: system-deps-browser $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

.PHONY: system-deps-browser
system-deps-browser:
	@scripts/system-deps --browser

# Scenarios on a test database, then every list page through gunicorn at 30 and 10,000 leaders (demo/bench.py),
# then the 360° assessments at 30 and 10,000 leaders with 3.2 million ratings (demo/bench_assessments.py),
# then the gap analysis of those 10,000 leaders against its one-statement floor, in a Celery worker, and its
# heatmap pages (demo/bench_gaps.py), then the training matrix page at 30 and 10,000 people and its 10,000-person
# XLSX export (demo/bench_training.py), the PDFs (demo/bench_pdf.py), the evidence packs (demo/bench_evidence.py) and
# the auditor's landing page at 10,000 people (demo/bench_evidence_landing.py). BENCH_ARGS="--part pages --repeats 50" passes options on
# (--part scenarios|pages|assessments|gaps|training).
bench: setup
	$(BIN)/python manage.py bench --settings=config.settings_test $(BENCH_ARGS)

check-migrations: setup
	@DEBUG=$${DEBUG:-true} $(BIN)/python manage.py makemigrations --check --dry-run

clean-venv:
	rm -rf $(VENV)
