# The web app on one origin for the compose file: built with Node, served by nginx with the
# configuration `make run` uses (deploy/local/nginx/vanthu.conf.template, rendered by
# deploy/local/web.sh render), the APIs reached by the names their compose services and
# Kubernetes Services share (intake, routing, exchange, archive). Listens on 8080.
FROM node:22-bookworm-slim AS build
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/index.html web/tsconfig.json web/vite.config.ts ./
COPY web/src src
RUN npx --no-install tsc --noEmit && npx --no-install vite build --logLevel warn

FROM nginx:1.28-bookworm
COPY deploy/local/web.sh deploy/local/proc.sh /vanthu/deploy/local/
COPY deploy/local/nginx /vanthu/deploy/local/nginx
COPY --from=build /web/dist /usr/share/vanthu
# The same file as on a developer's machine, but for a container: listening on every address of
# the container, workers as the image's nginx user, logs to the container's output.
RUN VANTHU_WEB_STATE=/var/cache/nginx/vanthu VANTHU_WEB_DIST=/usr/share/vanthu VANTHU_WEB_PORT=8080 \
      VANTHU_WEB_INTAKE=intake:8001 VANTHU_WEB_ROUTING=routing:8002 \
      VANTHU_WEB_EXCHANGE=exchange:8003 VANTHU_WEB_ARCHIVE=archive:8004 \
      /vanthu/deploy/local/web.sh render /etc/nginx/nginx.conf \
 && sed -i -e 's|^user root;$|user nginx;|' -e 's|listen 127.0.0.1:8080;|listen 8080;|' \
      -e 's|/var/cache/nginx/vanthu/error.log|/dev/stderr|' \
      -e 's|/var/cache/nginx/vanthu/access.log|/dev/stdout|' /etc/nginx/nginx.conf \
 && grep -q '^user nginx;$' /etc/nginx/nginx.conf && grep -q 'listen 8080;' /etc/nginx/nginx.conf \
 && chown -R nginx /var/cache/nginx/vanthu
EXPOSE 8080
# `daemon off;` is in the file: the image's default `-g "daemon off;"` would repeat it.
CMD ["nginx", "-c", "/etc/nginx/nginx.conf"]
