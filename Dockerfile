# The lakehouse code location: Dagster's gRPC code server over the locked Python environment, with
# Java 17 for Spark, the Spark/Delta/Kafka jars and the dbt manifest prepared at build time.
# The build stage runs `make install`, the same target a checkout and CI run.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# Debian's archive keeps one version of each package per release: pinning them breaks the build
# at the next point release, so the base image's tag is the pin.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends make maven openjdk-17-jdk-headless \
    && rm -rf /var/lib/apt/lists/*
ENV LAKEHOUSE_JARS_DIR=/opt/lakehouse/jars \
    UV_LINK_MODE=copy \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /app
COPY . .
# No development tools in the image; the Maven cache stays in this stage.
RUN make install SYNC_FLAGS=--no-dev && rm -rf /root/.m2

FROM ${PYTHON_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless procps \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 lakehouse \
    && useradd --create-home --uid 10001 --gid 10001 lakehouse \
    && install -d -o lakehouse /var/lib/lakehouse
# Only what runs: the environment (the project is installed into it from /app/platform), the dbt
# project with its manifest, and the jars. No state of the build (.lakehouse) comes along.
COPY --from=build /opt/lakehouse/jars /opt/lakehouse/jars
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/platform /app/platform
COPY --from=build /app/dbt /app/dbt
COPY --from=build /app/pyproject.toml /app/workspace.yaml /app/
ENV PATH=/app/.venv/bin:$PATH \
    LAKEHOUSE_JARS_DIR=/opt/lakehouse/jars \
    LAKEHOUSE_HOME=/var/lib/lakehouse \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
# Dagster+ agents need dagster-cloud in the image: fail the build, not the first deploy.
RUN dagster-cloud --version
USER 10001
EXPOSE 4000
CMD ["dagster", "code-server", "start", "--host", "0.0.0.0", "--port", "4000", "--module-name", "lakehouse.definitions", "--location-name", "lakehouse"]
