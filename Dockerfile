# The liftwatch service for docker-compose.yml: broker, ingest and HTTP API in one process.
FROM node:20-bookworm-slim

# better-sqlite3 compiles its native module when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY . .

RUN mkdir -p /data && chown node:node /data
USER node
ENV LW_HOST=0.0.0.0 \
    LW_DATA_DIR=/data \
    NODE_ENV=production
VOLUME /data
EXPOSE 1883 8083 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:8080/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "--max-semi-space-size=64", "bin/liftwatch.mjs", "start"]
