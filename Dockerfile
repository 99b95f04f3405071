# One image for every role: skywalker start --role proxy|executor|chronomaster.
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step; the
# first stage only installs production dependencies (isolated-vm ships prebuilt binaries; the
# compilers are there in case npm has to build one).
FROM node:24-bookworm-slim AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    SKYWALKER_BIND=0.0.0.0 \
    SKYWALKER_DATA_DIR=/tmp/skywalker
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY sandbox ./sandbox
COPY functions ./functions
# A fixed non-root user; the root file system can be read-only (only /tmp is written).
USER 10001:10001
EXPOSE 5000 5050 5100
ENTRYPOINT ["node", "bin/skywalker.js"]
CMD ["start", "--role", "all"]
