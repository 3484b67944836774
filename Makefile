# The project's commands. `make test` is the one test command; `make demo` shows what works.
PYTHON ?= python3
VENV ?= .venv

.PHONY: test test-all test-real real-venv demo bench venv browser clean

test:
	@tools/check $(PYTHON) $(VENV)

# The same suite on every CPython 3.11+ found under ~/.pyenv/versions or on PATH, one venv each.
test-all:
	@set -e; found=0; for py in $$(tools/find-pythons); do \
	  found=1; v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	  tools/check $$py .venv-$$v; \
	done; [ $$found = 1 ] || { echo "no CPython 3.11+ found" >&2; exit 1; }

# Only the real-package tier (tests/real/, docs/testing.md), and a rebuild of its cached venv.
test-real: venv
	@$(VENV)/bin/python -m pytest tests/real

real-venv: venv
	@tools/real-venv $(VENV)/bin/python --rebuild

venv:
	@tools/venv $(PYTHON) $(VENV)

# Debian's chromium and chromium-driver, for the HTML report's browser tests (root or sudo).
browser:
	@tools/install-chromium

demo: venv
	@$(VENV)/bin/python examples/demo.py

bench: venv
	@for script in benchmarks/*.py; do echo "== $$script"; $(VENV)/bin/python $$script || exit 1; done

clean:
	rm -rf .venv .venv-* .pytest_cache .mypy_cache .ruff_cache
