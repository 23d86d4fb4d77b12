# The portal's image for docker-compose.yml (web, worker and beat run the same image).
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/venv
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-morisawa-bizud-mincho fonts-ipaexfont poppler-utils libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN pip install --no-cache-dir "uv==0.13.9" && uv sync --frozen --no-dev
COPY . .
ENV PATH="/opt/venv/bin:$PATH" PORTAL_DATA_DIR=/var/lib/portal
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput
RUN useradd --system --home /var/lib/portal portal && mkdir -p /var/lib/portal && chown portal /var/lib/portal
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
