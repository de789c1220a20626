# syntax=docker/dockerfile:1
# One image for the web server, the Celery worker and the migrate job.

FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static ./static
RUN npm run build

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
# Each Lambda runtime label runs on its own CPython: python3.12 on this image's, python3.13 on
# the official 3.13 build beside it (same Debian, same /usr/local prefix, found on PATH).
COPY --from=python:3.13-slim-bookworm /usr/local/bin/python3.13 /usr/local/bin/python3.13
COPY --from=python:3.13-slim-bookworm /usr/local/lib/python3.13 /usr/local/lib/python3.13
COPY --from=python:3.13-slim-bookworm /usr/local/lib/libpython3.13.so.1.0 /usr/local/lib/
RUN ldconfig && python3.13 -c "import ssl, sqlite3, ctypes"
COPY pyproject.toml ./
COPY lambdalab ./lambdalab
RUN pip install .
COPY . .
COPY --from=assets /app/static/dist ./static/dist
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input
# The web server runs unprivileged; the worker overrides this (it needs root to build sandboxes).
RUN useradd --system --uid 10001 lambdalab && mkdir -p /app/var && chown lambdalab /app/var
USER lambdalab
EXPOSE 8000
CMD ["gunicorn", "-b", "0.0.0.0:8000", "-w", "3", "lambdalab.wsgi"]
