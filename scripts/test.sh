#!/usr/bin/env bash
# `make test`: every test, in Sara's order — validate the data, train (or reuse) the model, run
# Rasa's test stories, then pytest (unit, integration against the real Rasa server, browser).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var reports
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3
start=$(date +%s)
step() { echo; echo "== $* ($(( $(date +%s) - start ))s)"; }

step "lint"
.venv/bin/ruff check api tests scripts bot/components bot/connectors
.venv/bin/hadolint Dockerfile
step "directory check"
.venv/bin/signpost directory check helplines.yaml
step "rasa data validate"
(cd bot && PYTHONPATH=. ../.venv-rasa/bin/rasa data validate --data data ../data/nlu > ../var/validate.log 2>&1) \
  || { tail -n 40 var/validate.log; exit 1; }
grep -E "ERROR" var/validate.log && exit 1
step "component unit tests (Rasa's environment)"
(cd bot && PYTHONPATH=. ../.venv-rasa/bin/python -m pytest -q --noconftest -p no:cacheprovider \
  --rootdir .. -c /dev/null ../tests/bot)
step "train (reused when its inputs are unchanged)"
scripts/train.sh
step "rasa test stories"
(cd bot && PYTHONPATH=. ../.venv-rasa/bin/rasa test core --stories tests --model models/signpost.tar.gz \
  --fail-on-prediction-errors --out ../reports/rasa-core > ../var/rasa-test.log 2>&1) \
  || { grep -A30 -i "failed\|error" var/rasa-test.log | tail -n 60; cat reports/rasa-core/failed_test_stories.yml 2>/dev/null; exit 1; }
grep -E "Finished collecting predictions|Correct:" var/rasa-test.log | tail -n 3 || true
step "chromium and axe-core for the browser tests"; scripts/ensure_chromium.sh
step "pytest"
.venv/bin/pytest "$@"
step "all tests passed in $(( $(date +%s) - start ))s"
