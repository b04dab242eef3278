# syntax=docker/dockerfile:1
# The Portico API (control plane, admin API and dashboard). Build from the repository root:
#   docker build -f deploy/docker/api.Dockerfile -t portico/api:0.1.0 .
# Runs as UID/GID 10001 (= runAsUser/runAsGroup in deploy/base/api.yaml) on a read-only root filesystem: it logs
# to stdout and writes nothing but /tmp (an emptyDir in the Deployment).

# ---- build: the whole workspace, then only what the API needs at run time ----
FROM node:24-bookworm-slim AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CI=true
COPY . .
# `npm ci` also installs the pinned Node.js 24 (root devDependency `node`) that every npm script and npx call uses.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
# The dashboard (apps/web) is served by the API at /, so it is built here too.
RUN npx nx run-many -t build -p @portico/api @portico/web --output-style=static
# Drop dev dependencies (compilers, test tools, the npm-installed Node.js), then collect the run-time tree:
# node_modules (its @portico/* entries are links to libs/* and apps/*), the libs and the api with their dist and
# nested node_modules (npm nests a package there when versions differ), without sources and tests.
RUN npm prune --omit=dev --no-audit --no-fund \
 && mkdir /out \
 && cp -a --parents package.json node_modules libs apps/api apps/web/dist /out/ \
 && rm -rf /out/libs/*/src /out/libs/*/test /out/apps/api/src /out/apps/api/test

# ---- run time: node and the built files; no build tools, no npm ----
FROM node:24-bookworm-slim
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the process user: the running API cannot change its own code.
COPY --from=build /out/ /app/
USER 10001:10001
# admin API, dashboard, /healthz, /readyz, and the proxies' config stream
EXPOSE 9090
ENTRYPOINT ["node", "apps/api/dist/main.js"]
