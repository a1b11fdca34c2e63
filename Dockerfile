# The image every process of the Helm chart (helm/confera) runs: web, worker,
# sfu, egress and the migration Job differ only in their `confera` command.
#
#   docker build -t confera:0.1.0 .
#
# No system media libraries are installed: the PyAV (av) wheel bundles FFmpeg
# with libvpx, libopus and libx264 (av.libs/), pylibsrtp links libsrtp
# statically, aiortc itself is pure Python (its codecs are PyAV's), Pillow
# bundles FreeType for the egress's labels, and psycopg[binary] bundles libpq.
# The image is built from the repository as it is: the app keeps its
# templates/, static/, migrations/ and wsgi.py beside app/ (app/factory.py,
# app/cli.py), so it is installed in place (editable), not into site-packages.

# The live-stream player's hls.js (static/livestream), as `make install` gets it.
FROM node:22-bookworm-slim AS player
WORKDIR /src/static/livestream
COPY static/livestream/package.json static/livestream/package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CONFERA_INSTANCE_PATH=/var/lib/confera

# A user of its own; the instance folder is the only place it writes (SQLite
# and local storage are for development: the chart sets DATABASE_URL and an
# s3:// STORAGE_URL).
RUN groupadd --system --gid 10001 confera \
    && useradd --system --uid 10001 --gid confera --home-dir /app --shell /usr/sbin/nologin confera \
    && mkdir -p /var/lib/confera \
    && chown confera:confera /var/lib/confera

WORKDIR /app
# Dependencies first: a change to the code alone reuses this layer.
COPY pyproject.toml README.md ./
RUN mkdir app && touch app/__init__.py \
    && pip install --editable . \
    && rm -rf app
COPY wsgi.py ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY --from=player /src/static/livestream/node_modules ./static/livestream/node_modules
RUN python -m compileall -q app migrations

USER 10001:10001
EXPOSE 5000 7880 7890
ENTRYPOINT ["confera"]
CMD ["web", "--host", "0.0.0.0"]
