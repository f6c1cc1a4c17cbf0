#!/usr/bin/env bash
# Trains the Rasa model into bot/models/signpost.tar.gz, unless the model was made from exactly
# the inputs there are now: config, domain, stories, rules, NLU data and the custom components'
# code (a hash of them is kept beside the model). Rasa's own `--dry-run` is not enough: it
# ignores a setting of a component that learns nothing (SafetyEscalation's thresholds) and any
# change to a component's code, and the old model would keep the old behaviour.
set -euo pipefail
mkdir -p "$(dirname "$0")/../var"
cd "$(dirname "$0")/../bot"
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
args=(--data data ../data/nlu --config config.yml --domain domain.yml --out models --fixed-model-name signpost)
inputs=$(find config.yml domain.yml data ../data/nlu components -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' \) \
  -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
if [ -f models/signpost.tar.gz ] && [ "$(cat models/signpost.inputs 2>/dev/null)" = "$inputs" ]; then
  echo "train: inputs unchanged, reusing bot/models/signpost.tar.gz"
  exit 0
fi
start=$(date +%s)
../.venv-rasa/bin/rasa train "${args[@]}" > ../var/train.log 2>&1 || { tail -n 40 ../var/train.log; exit 1; }
echo "$inputs" > models/signpost.inputs
echo "train: trained in $(( $(date +%s) - start ))s (log: var/train.log)"
