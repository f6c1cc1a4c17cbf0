#!/usr/bin/env bash
# Trains the Rasa model into bot/models/signpost.tar.gz, unless Rasa's own fingerprinting
# (`rasa train --dry-run`, exit code 0) says config, domain, stories, rules and NLU data are
# unchanged since that model was made.
set -euo pipefail
mkdir -p "$(dirname "$0")/../var"
cd "$(dirname "$0")/../bot"
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
args=(--data data ../data/nlu --config config.yml --domain domain.yml --out models --fixed-model-name signpost)
if [ -f models/signpost.tar.gz ] && ../.venv-rasa/bin/rasa train "${args[@]}" --dry-run >/dev/null 2>&1; then
  echo "train: inputs unchanged, reusing bot/models/signpost.tar.gz"
  exit 0
fi
start=$(date +%s)
../.venv-rasa/bin/rasa train "${args[@]}" > ../var/train.log 2>&1 || { tail -n 40 ../var/train.log; exit 1; }
echo "train: trained in $(( $(date +%s) - start ))s (log: var/train.log)"
