# The API image. On start, scripts/docker-start.sh migrates, loads the built-in gazetteer and the
# demo data when asked (SE_LOAD_GAZETTEER, SE_LOAD_DEMO; see docker-compose.yml), then serves.

# The map page's MapLibre GL JS and its offline basemap, from the npm registry at the versions app/map/web pins (as `make assets`).
FROM node:20-bookworm-slim AS map-assets
WORKDIR /src
COPY scripts/ensure-node.sh scripts/build-map-assets.sh scripts/
COPY app/map/web/package.json app/map/web/package-lock.json app/map/web/
RUN bash scripts/build-map-assets.sh

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/syria-events

# Dependencies first, so that code edits do not reinstall them.
COPY pyproject.toml README.md ./
COPY app/__init__.py app/__init__.py
RUN pip install --upgrade pip && pip install .  && pip uninstall -y syria-events

COPY app app
COPY --from=map-assets /src/app/map/static/vendor app/map/static/vendor
COPY alembic alembic
COPY alembic.ini ./
COPY scripts/docker-start.sh scripts/
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /srv/syria-events syria \
    && chown -R syria /srv/syria-events
USER syria

EXPOSE 8000
# The first start loads data before serving (under 10 s here): failures in the start period
# do not count, and the first success ends it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"

CMD ["sh", "/srv/syria-events/scripts/docker-start.sh"]
