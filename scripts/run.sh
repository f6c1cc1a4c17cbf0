#!/usr/bin/env bash
# `make run`: checks the directory, trains if needed, starts Rasa (unless RASA_URL points at one),
# waits for it, starts the API, prints the URL, and stops both on Ctrl-C.
# Also the container's entry point: `run.sh` (both), `run.sh rasa` or `run.sh api` (one part each,
# for separate containers; `api` needs RASA_URL and RASA_TOKEN).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
export RASA_TELEMETRY_ENABLED=false
PORT="${PORT:-8000}"
HOST="${HOST:-127.0.0.1}"
MODE="${1:-all}"

if [ "$MODE" = rasa ]; then
  scripts/train.sh
  export RASA_HOST="${RASA_HOST:-$HOST}"
  exec scripts/rasa.sh "${RASA_PORT:-5005}"
fi
if [ "$MODE" = api ] && [ -z "${RASA_URL:-}" ]; then
  echo "run: 'run.sh api' needs RASA_URL (and RASA_TOKEN) for the Rasa server(s) to use." >&2
  exit 1
fi

.venv/bin/signpost directory check "${HELPLINES_PATH:-helplines.yaml}" >/dev/null || {
  .venv/bin/signpost directory check "${HELPLINES_PATH:-helplines.yaml}"
  echo "run: helplines.yaml has the problems above; fix them before starting." >&2
  exit 1
}

pids=()
stop() { trap - EXIT INT TERM; [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true; wait || true; }
trap stop EXIT INT TERM

if [ -z "${RASA_URL:-}" ]; then
  scripts/train.sh
  export RASA_TOKEN="${RASA_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(16))')}"
  RASA_PORT="${RASA_PORT:-5005}"
  echo "run: starting Rasa on 127.0.0.1:$RASA_PORT (log: var/rasa.log)"
  scripts/rasa.sh "$RASA_PORT" > var/rasa.log 2>&1 &
  pids+=($!)
  export RASA_URL="http://127.0.0.1:$RASA_PORT"
  if ! .venv/bin/python scripts/wait_for.py "$RASA_URL/status?token=$RASA_TOKEN" 400 model_id "${pids[0]}"; then
    tail -n 30 var/rasa.log >&2
    echo "run: Rasa did not start; its log is above (var/rasa.log)." >&2
    exit 1
  fi
fi

.venv/bin/uvicorn api.main:app --host "$HOST" --port "$PORT" --no-access-log &
pids+=($!)
.venv/bin/python scripts/wait_for.py "http://127.0.0.1:$PORT/health" 60 "" "${pids[-1]}"
echo "Signpost is running at http://$HOST:$PORT  (Ctrl-C stops it)"
wait -n "${pids[@]}"
