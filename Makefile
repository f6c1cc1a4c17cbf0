# Signpost: `make run` sets up and runs the service; `make test` sets up and runs every test.
# Both work on a fresh machine with Python 3.10 available (see scripts/python310.sh).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON310 ?= $(shell scripts/python310.sh)
export PYTHON310
export RASA_TELEMETRY_ENABLED := false

API_VENV := .venv
RASA_VENV := .venv-rasa
MODEL := bot/models/signpost.tar.gz

.PHONY: help setup run test train validate rasa-test pytest lint eval lofo bench clean

help:
	@echo "make run    set up, train if the training data changed, start Rasa and the API"
	@echo "make test   set up and run every test (pytest, rasa data validate, rasa test)"
	@echo "make eval   held-out evaluation of the model and cross-validation"
	@echo "make lofo   emergencies found in each training file when trained without it"

# Each environment is rebuilt when its pinned requirements change.
$(API_VENV)/.installed: requirements/api.txt pyproject.toml
	@test -x $(API_VENV)/bin/python || $(PYTHON310) -m venv $(API_VENV)
	$(API_VENV)/bin/pip install -q --disable-pip-version-check -r requirements/api.txt
	$(API_VENV)/bin/pip install -q --disable-pip-version-check --no-deps -e .
	@touch $@

$(RASA_VENV)/.installed: requirements/rasa.txt requirements/rasa-no-deps.txt
	@test -x $(RASA_VENV)/bin/python || $(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install -q --disable-pip-version-check -r requirements/rasa.txt
	$(RASA_VENV)/bin/pip install -q --disable-pip-version-check --no-deps -r requirements/rasa-no-deps.txt
	@touch $@

setup: $(API_VENV)/.installed $(RASA_VENV)/.installed

# scripts/train.sh reuses the model when a hash of all its inputs (config, domain, data, components) matches.
train: setup
	scripts/train.sh

validate: setup
	cd bot && ../$(RASA_VENV)/bin/rasa data validate --data data ../data/nlu

rasa-test: train
	cd bot && ../$(RASA_VENV)/bin/rasa test core --stories tests --model models/signpost.tar.gz \
	  --fail-on-prediction-errors --out ../reports/rasa-core

pytest: train
	$(API_VENV)/bin/pytest

lint: setup
	$(API_VENV)/bin/ruff check api tests scripts
	$(API_VENV)/bin/signpost directory check helplines.yaml

run: setup
	scripts/run.sh

test: setup
	scripts/test.sh

eval: train
	$(API_VENV)/bin/python scripts/eval.py

# Leave one training file out at a time (about 10 minutes; needs no trained model).
lofo: setup
	TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore $(RASA_VENV)/bin/python scripts/lofo.py

# Latency and throughput, Rasa direct vs /chat, then a 10-minute soak: `make bench BENCH_ARGS=--quick`.
bench: train
	$(API_VENV)/bin/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(API_VENV) $(RASA_VENV) bot/models reports var
