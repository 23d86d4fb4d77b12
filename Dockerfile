# The portal's image for docker-compose.yml (migrate, web, worker, archiver and beat run the same image).
FROM python:3.12-slim-bookworm

# The PostgreSQL server's major version in docker-compose.yml: `backup` / `restore` (seed 004 第19条) need
# pg_dump / pg_restore of that version, which Debian bookworm does not ship (it has 15): the client comes
# from the PostgreSQL project's apt repository, set up by postgresql-common's script with its bundled key.
ARG POSTGRES_MAJOR=16

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/venv
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends "postgresql-client-${POSTGRES_MAJOR}" \
        fonts-morisawa-bizud-mincho fonts-ipaexfont poppler-utils libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN pip install --no-cache-dir "uv==0.13.9" && uv sync --frozen --no-dev
COPY . .
# Static files live in the image, outside the data volume (which would hide them behind an older image's).
ENV PATH="/opt/venv/bin:$PATH" PORTAL_DATA_DIR=/var/lib/portal PORTAL_STATIC_ROOT=/app/staticfiles
# Settings refuse to start without their secrets: this step gets throwaway values and a throwaway data dir,
# none of which stays in the image (tests/test_dockerfile.py runs this line).
RUN DJANGO_SECRET_KEY=build-only-not-a-secret DJANGO_ALLOWED_HOSTS=build.invalid PORTAL_DATA_DIR=/tmp/build-data PORTAL_MASTER_KEYS=build:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= python manage.py collectstatic --noinput && rm -rf /tmp/build-data
RUN useradd --system --home /var/lib/portal portal \
    && mkdir -p /var/lib/portal/audit/archive \
    && chown -R portal /var/lib/portal
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
