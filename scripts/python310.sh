#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter (Rasa 3.6 needs 3.8-3.10; we use 3.10 for
# both environments so one interpreter serves the whole project). Looks, in order, at $PYTHON310,
# python3.10 on PATH (a pyenv shim counts only if it really runs), then pyenv's versions folder.
set -euo pipefail
works() { [ -n "$1" ] && "$1" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; }
for candidate in "${PYTHON310:-}" "$(command -v python3.10 2>/dev/null || true)" \
    $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10 2>/dev/null | sort -rV) \
    /usr/bin/python3.10 /usr/local/bin/python3.10; do
  if works "$candidate"; then echo "$candidate"; exit 0; fi
done
cat >&2 <<'MSG'
Signpost needs Python 3.10 (Rasa 3.6 does not install on 3.11 or newer) and none was found.
Install one, for example:   pyenv install 3.10      or   apt-get install python3.10 python3.10-venv
or point PYTHON310 at an interpreter:   make run PYTHON310=/path/to/python3.10
MSG
exit 1
