# Two commands matter: `make run` and `make test`. Both create or update .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wiki
HOST   ?= 127.0.0.1
PORT   ?= 5000
export HOST PORT

.PHONY: run test test-unit test-web test-browser lint venv assets bench clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) search check --fix --quiet
	$(FLASK) serve

# The suite runs on every core (pytest-xdist); a module's tests stay on one worker, so module-wide
# worlds are built once. JOBS=1 runs it in one process.
JOBS ?= auto
test: venv
	$(PY) -m pytest -n $(JOBS) --dist loadscope

test-unit: venv
	$(PY) -m pytest tests/unit tests/test_architecture.py

test-web: venv
	$(PY) -m pytest -n $(JOBS) --dist loadscope tests/web

test-browser: venv
	$(PY) -m pytest tests/browser

# The browser bundles (static/dist/editor.js, static/dist/comments.js) are committed, so only people
# changing static/js/editor/ or static/js/comments/ need Node: this installs the exact versions of
# package-lock.json and rebuilds both.
assets:
	npm ci
	npm run build

lint: venv
	$(VENV)/bin/ruff check wiki tests bench config.py

clean:
	rm -rf $(VENV)
