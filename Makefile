# saraban: set-up, demo and tests. Both targets are idempotent and quick once set up.
#   make demo   set up (apt packages where missing, .venv, the package) and run the demo
#   make test   the same set-up, then the whole test suite
#   make install   put `saraban` on PATH: a link in $(BINDIR) (default ~/.local/bin) to .venv/bin/saraban
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.saraban-installed
APT_PACKAGES := libreoffice-writer-nogui python3-uno fonts-thai-tlwg poppler-utils fontconfig \
  libicu-dev pkg-config g++ postgresql chromium chromium-driver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BINDIR ?= $(HOME)/.local/bin

.PHONY: setup system fonts demo test lint format bench install messages

setup: system $(STAMP) fonts

# The metric-compatible TH Sarabun New substitute (Laksaman scaled) and its fontconfig mapping;
# quick when already done.
fonts: $(STAMP)
	@$(PY) -m engine.fonts

# System packages: LibreOffice Writer and its UNO bridge (PDF), the Thai TLWG fonts (the TH
# Sarabun substitute is built from Laksaman), poppler (pdftotext for page furniture, pdftoppm and
# pdffonts for looking at PDFs), fontconfig, and ICU's headers with pkg-config and g++ (PyICU is
# built on the system's ICU, the one LibreOffice breaks Thai lines with), PostgreSQL (the
# tests of a register on a server start a throw-away cluster with its initdb and pg_ctl), and
# chromium with its chromedriver (tests/test_web_browser.py drives the web application in
# headless chromium).
# Installed only when missing.
system:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The editable install in compat mode: a plain path in a .pth file. The default (an import
# finder, chosen because of the engine.data.* package-dir mapping) costs every Python start in
# this venv ~10 ms (docs/performance.md); engine/resources.py finds the data from the source tree.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

demo: setup
	$(PY) -m engine.demo
	@echo "saraban is $(CURDIR)/$(VENV)/bin/saraban: run \`. $(VENV)/bin/activate\` to use it in this shell, or \`make install\` once to put it on PATH"

# A link to the venv's saraban in $(BINDIR); says so when that folder is not on PATH.
install: setup
	@mkdir -p "$(BINDIR)"
	@ln -sfn "$(CURDIR)/$(VENV)/bin/saraban" "$(BINDIR)/saraban"
	@echo "$(BINDIR)/saraban -> $(CURDIR)/$(VENV)/bin/saraban"
	@case ":$$PATH:" in *":$(BINDIR):"*) ;; *) echo "$(BINDIR) is not on PATH: add  export PATH=\"$(BINDIR):\$$PATH\"  to ~/.profile (~/.bashrc), then open a new terminal";; esac

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check engine tests bench tools
	$(VENV)/bin/ruff format --check engine tests bench tools
	PYTHONPATH=$(CURDIR) $(VENV)/bin/lint-imports --no-cache  # the layers of engine/, no cycles
	$(VENV)/bin/mypy  # engine/, as [tool.mypy] in pyproject.toml says

format: setup
	$(VENV)/bin/ruff format engine tests bench tools
	$(VENV)/bin/ruff check --fix engine tests bench tools

bench: setup
	$(PY) bench/bench_render.py

# The Thai catalog (docs/messages.md): extract every _()/N_() message of engine/, merge the new
# ones into the .po (translate them there: tests/test_messages.py fails until every one is), and
# compile the .mo the program reads.
LOCALE := engine/locale
messages: setup
	$(VENV)/bin/pybabel -q extract --project=saraban --sort-by-file --add-location=file \
	  -o $(LOCALE)/saraban.pot engine
	$(VENV)/bin/pybabel -q update -i $(LOCALE)/saraban.pot -d $(LOCALE) -D saraban -l th \
	  --ignore-obsolete --width=100
	rm -f $(LOCALE)/saraban.pot
	$(VENV)/bin/pybabel compile -d $(LOCALE) -D saraban -l th --statistics
