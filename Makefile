# Everything a fresh machine needs: system packages, a project .venv, the project and its extras.
# `make chat` and `make test` install what is missing first, so each is the only command you need.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False
export UI_BROWSER_REQUIRED := 1
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# FreeDict word lists between the profile languages (rag/bilingual.py): a question's words meet an article's
# in another language. Each pair reads both directions, inverting the reverse one (Debian has no spa-fra).
DICTS := eng-deu deu-eng eng-spa spa-eng eng-fra fra-eng deu-fra fra-deu deu-spa spa-deu fra-spa
APT_PACKAGES := chromium $(addprefix dict-freedict-,$(DICTS))

.PHONY: install system chat test eval index clean
install: system $(STAMP)

# chromium drives the browser tests; the dictionaries feed cross-language word matching.
system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# torch is pinned first: the CPU build is on the machine, and a later resolve must not pull CUDA wheels.
$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[llm,test]"
	touch $(STAMP)

chat: install
	$(VENV)/bin/rag chat

test: install
	$(PY) -m pytest -q

eval: install
	$(VENV)/bin/rag eval

index: install
	$(VENV)/bin/rag index

clean:
	rm -rf $(VENV) index/chroma.sqlite3 index/*/ index/.lock
