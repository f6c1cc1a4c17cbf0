#!/usr/bin/env bash
# Starts the Rasa server on loopback with the trained model: `scripts/rasa.sh [PORT]`.
# Needs RASA_TOKEN (the API's token for Rasa's HTTP API). The tests, `make run`, the benchmark
# and the container all start Rasa through this one script.
set -euo pipefail
cd "$(dirname "$0")/../bot"
: "${RASA_TOKEN:?RASA_TOKEN must be set}"
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# One thread of arithmetic: Rasa answers one message at a time anyway, and on a small machine
# TensorFlow's and BLAS's extra threads take the core the API needs (make bench, 2 cores: /chat
# p95 x1.07-1.31 of Rasa direct at 50 conversations with them, x1.04 without). Set any of these
# to give a Rasa server of its own more.
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}"
export TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec ../.venv-rasa/bin/rasa run --enable-api --auth-token "$RASA_TOKEN" \
  --interface "${RASA_HOST:-127.0.0.1}" --port "${1:-${RASA_PORT:-5005}}" \
  --model "${RASA_MODEL:-models/signpost.tar.gz}" \
  --credentials credentials.yml --endpoints "${RASA_ENDPOINTS:-endpoints.yml}"
