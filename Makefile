# Two commands set up a fresh machine (only Python 3.11+ and make needed):
#   make run    install and refresh everything from the live Fingertips API
#   make test   install with the dev extra, run ruff and pytest
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home
SAMPLE_PORT ?= 8765
SAMPLE_UI_PORT ?= 3001
# The sample (synthetic) pipeline has its own Dagster instance, so its runs never show as real ones.
SAMPLE_HOME := $(CURDIR)/.dagster_home_sample
# Which areas: REGION=north-west, REGION=england ... (default: $$JSNA_REGION, else London).
REGION ?= $(JSNA_REGION)
SAMPLE_ENV := DAGSTER_HOME=$(SAMPLE_HOME) FINGERTIPS_API_URL=http://127.0.0.1:$(SAMPLE_PORT)/api JSNA_OUTPUT_DIR=data/sample \
  JSNA_REGION=$(REGION)

.PHONY: run test sample ui ui-sample bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@ $(VENV)/.installed-run

$(DAGSTER_HOME)/dagster.yaml: pipelines/instance/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp $< $@

$(SAMPLE_HOME)/dagster.yaml: pipelines/instance/dagster.yaml
	mkdir -p $(SAMPLE_HOME)
	cp $< $@

run: $(VENV)/.installed-run $(DAGSTER_HOME)/dagster.yaml
	JSNA_REGION=$(REGION) $(BIN)/jsna refresh

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# The same refresh against the offline sample API (synthetic data) into data/sample/.
sample: $(VENV)/.installed-run $(SAMPLE_HOME)/dagster.yaml
	@$(BIN)/jsna sample-api --port $(SAMPLE_PORT) > $(VENV)/sample-api.log 2>&1 & pid=$$!; \
	  trap 'kill $$pid 2>/dev/null' EXIT; \
	  for i in $$(seq 100); do grep -q SYNTHETIC $(VENV)/sample-api.log 2>/dev/null && break; sleep 0.1; done; \
	  $(SAMPLE_ENV) $(BIN)/jsna refresh

# The Dagster UI for the sample: sample API, own DAGSTER_HOME and output root, a banner on every asset.
ui-sample: $(VENV)/.installed-run $(SAMPLE_HOME)/dagster.yaml
	$(SAMPLE_ENV) JSNA_UI_BANNER="SYNTHETIC SAMPLE DATA - not real statistics." \
	  $(BIN)/jsna ui --host 127.0.0.1 --port $(SAMPLE_UI_PORT) --sample-api $(SAMPLE_PORT)

# jsna ui runs dagster dev in a process group of its own and stops all of it on SIGTERM.
ui: $(VENV)/.installed-run $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/jsna ui --host 127.0.0.1 --port 3000

$(VENV)/.installed-bench: pyproject.toml constraints.txt $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $@

# Benchmarks (not tests): fetch, no-change night, England scale, end to end -> bench/RESULTS.md
bench: $(VENV)/.installed-bench
	CI=true $(BIN)/python -m bench.run_all

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .dagster_home .dagster_home_sample data/sample data/.sample.jsna-state
