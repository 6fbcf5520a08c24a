# The toolbox Cloud Build runs `npm test` in: the pinned Node plus what the
# real-infrastructure test tier starts itself, Postgres 15 and the Pub/Sub emulator.
# Bookworm carries postgresql-15 and Java 17, the versions the tests are written against.
#   docker build -f infra/docker/ci.Dockerfile infra/docker
FROM node:24.21.0-bookworm-slim
# The tests create throwaway clusters, so the package's default cluster is not created.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl gnupg postgresql-common; \
    sed -i 's/^#\?\s*create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf; \
    curl -fsSL https://packages.cloud.google.com/apt/doc/apt-key.gpg | gpg --dearmor -o /usr/share/keyrings/cloud.google.gpg; \
    echo "deb [signed-by=/usr/share/keyrings/cloud.google.gpg] https://packages.cloud.google.com/apt cloud-sdk main" \
      > /etc/apt/sources.list.d/google-cloud-sdk.list; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
      postgresql-15 openjdk-17-jre-headless google-cloud-cli google-cloud-cli-pubsub-emulator; \
    rm -rf /var/lib/apt/lists/*
ENV PATH="/usr/lib/postgresql/15/bin:${PATH}"
