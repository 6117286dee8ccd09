# The gateway: `minis serve` against the PostgreSQL named by MINIS_DATABASE_URL (or, without
# it, an embedded PostgreSQL in the container's home directory).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Installed in place: the migrations are read from /app/sql, beside the gateway package.
COPY . .
RUN pip install -e . \
    && useradd --create-home --uid 1000 minis
USER minis

ENV MINIS_HOST=0.0.0.0 \
    MINIS_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=300s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MINIS_PORT', '8000'), timeout=4)"]
CMD ["minis", "serve"]
