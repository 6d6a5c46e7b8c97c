# Image for both OMS processes: the API (default command) and the worker
# (`python worker.py`, set in docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# .dockerignore keeps the virtual environment, tests and the local data
# folder (SQLite file, development API keys) out of the image.
COPY . .
RUN pip install . \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin oms

# The source stays owned by root, so the service user cannot change it.
USER oms

EXPOSE 8000

# No HEALTHCHECK here: the worker runs this image too and serves no HTTP.
# docker-compose.yml checks the API's /health instead.
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000"]
