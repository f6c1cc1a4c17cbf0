# One image with both environments and the trained model. The entry point is the same script
# `make run` uses, so what the tests run is what the container runs:
#   docker run -p 8000:8000 signpost            # Rasa and the API together
#   docker run signpost rasa | api              # one part, for separate containers
FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    PYTHON310=/usr/local/bin/python3.10 \
    HOST=0.0.0.0 \
    PORT=8000

RUN useradd --create-home --uid 10001 signpost
WORKDIR /app

COPY requirements/ requirements/
RUN python -m venv .venv-rasa && .venv-rasa/bin/pip install -r requirements/rasa.txt \
 && .venv-rasa/bin/pip install --no-deps -r requirements/rasa-no-deps.txt \
 && python -m venv .venv && .venv/bin/pip install -r requirements/api.txt

COPY pyproject.toml README.md Makefile helplines.yaml ./
COPY api/ api/
COPY bot/ bot/
COPY data/ data/
COPY scripts/ scripts/
RUN .venv/bin/pip install --no-deps -e . \
 && touch .venv/.installed .venv-rasa/.installed \
 && scripts/train.sh \
 && mkdir -p var && chown -R signpost:signpost var bot

USER 10001
EXPOSE 8000 5005
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
  CMD [".venv/bin/python", "scripts/wait_for.py", "http://127.0.0.1:8000/health", "4"]
ENTRYPOINT ["scripts/run.sh"]
