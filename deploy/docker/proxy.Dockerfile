# syntax=docker/dockerfile:1
# The Portico proxy (data plane). Build from the repository root:
#   docker build -f deploy/docker/proxy.Dockerfile -t portico/proxy:0.1.0 .
# Runs as UID/GID 10001 (= runAsUser/runAsGroup in deploy/base/proxy.yaml) on a read-only root filesystem: it logs
# to stdout and writes only last-good.json under --state-dir and /tmp (emptyDirs in the Deployment).

# ---- build: the whole workspace, then only what the proxy needs at run time ----
FROM node:24-bookworm-slim AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CI=true
COPY . .
# `npm ci` also installs the pinned Node.js 24 (root devDependency `node`) that every npm script and npx call uses.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
RUN npx nx run-many -t build -p @portico/proxy --output-style=static
# Drop dev dependencies (compilers, test tools, the npm-installed Node.js), then collect the run-time tree:
# node_modules (its @portico/* entries are links to libs/* and apps/*), the libs and the proxy with their dist and
# nested node_modules (npm nests a package there when versions differ), without sources and tests.
RUN npm prune --omit=dev --no-audit --no-fund \
 && mkdir /out \
 && cp -a --parents package.json node_modules libs apps/proxy /out/ \
 && rm -rf /out/libs/*/src /out/libs/*/test /out/apps/proxy/src /out/apps/proxy/test

# ---- run time: node and the built files; no build tools, no npm ----
FROM node:24-bookworm-slim
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
ENV NODE_ENV=production
# V8 grows the young generation to 64 MiB semi-spaces under sustained load (16 KiB responses: RSS 97 → 290 MB while
# the live heap stays at 15 MB) and keeps the pages when idle; 8 MiB bounds RSS near 125 MB at no measurable CPU cost
# (bench/README.md, "Memory"). The bench starts its proxy with these options too. Override per pod if needed.
ENV NODE_OPTIONS="--max-semi-space-size=8"
WORKDIR /app
# Owned by root and read-only to the process user: the running proxy cannot change its own code.
COPY --from=build /out/ /app/
USER 10001:10001
# http, https (termination and passthrough), admin (/metrics, /readyz, /healthz)
EXPOSE 8000 8443 9091
ENTRYPOINT ["node", "apps/proxy/dist/main.js"]
