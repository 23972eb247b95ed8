#!/usr/bin/env bash
# The web app (web/) built with Vite and served with the four APIs on one origin by nginx.
#   web.sh build          npm ci when the lock file changed, vite build when the sources changed
#   web.sh up             build, then start nginx on 127.0.0.1:${VANTHU_WEB_PORT:-8080}
#   web.sh down | status
#   web.sh render FILE    write the nginx configuration to FILE (used by the tests, which pass
#                         VANTHU_WEB_STATE and VANTHU_WEB_{INTAKE,ROUTING,EXCHANGE,ARCHIVE} host:port)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/deploy/local"
STATE=${VANTHU_STATE_DIR:-$ROOT/.local}
WEB="$ROOT/web"
PORT=${VANTHU_WEB_PORT:-8080}
PREFIX=web
# shellcheck source=deploy/local/proc.sh
. "$HERE/proc.sh"

need_tools() {
  command -v node >/dev/null || die "Node.js 20.19 or newer is missing (Vite 8 needs it)"
  command -v npm >/dev/null || die "npm is missing"
  node -e 'const [a, b] = process.versions.node.split(".").map(Number);
    process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
    die "Node.js $(node --version) is too old; Vite 8 needs 20.19 or newer"
}

# npm ci only when package-lock.json changed since the last install.
install_packages() {
  local stamp="$WEB/node_modules/.vanthu-lock.sha256" want
  want=$(sha256sum "$WEB/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  log "npm ci in web/"
  (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}

sources_digest() {
  (cd "$WEB" && find src index.html package-lock.json tsconfig.json vite.config.ts -type f -print0 |
    sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

cmd_build() {
  need_tools
  install_packages
  local stamp="$WEB/dist/.vanthu-sources.sha256" want
  want=$(sources_digest)
  if [ -f "$stamp" ] && [ -f "$WEB/dist/index.html" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  log "building web/ (vite)"
  (cd "$WEB" && npx --no-install tsc --noEmit && npx --no-install vite build --logLevel warn)
  echo "$want" >"$stamp"
}

mime_types() {
  local f
  for f in /etc/nginx/mime.types /usr/local/nginx/conf/mime.types; do
    [ -f "$f" ] && { echo "$f"; return; }
  done
  die "nginx's mime.types not found; Debian: apt-get install nginx-light"
}

# render FILE: the template with this deployment's ports and paths.
cmd_render() {
  local out=$1 state=${VANTHU_WEB_STATE:-$STATE/nginx} user=""
  mkdir -p "$state/tmp"
  # Workers run as whoever starts nginx (root otherwise hands them to nobody, who may not read web/dist).
  [ "$(id -u)" -eq 0 ] && user="user root;"
  sed -e "s|@USER@|$user|" \
    -e "s|@STATE@|$state|g" \
    -e "s|@MIME_TYPES@|$(mime_types)|" \
    -e "s|@PORT@|$PORT|" \
    -e "s|@DIST@|${VANTHU_WEB_DIST:-$WEB/dist}|" \
    -e "s|@INTAKE@|${VANTHU_WEB_INTAKE:-127.0.0.1:8001}|" \
    -e "s|@ROUTING@|${VANTHU_WEB_ROUTING:-127.0.0.1:8002}|" \
    -e "s|@EXCHANGE@|${VANTHU_WEB_EXCHANGE:-127.0.0.1:8003}|" \
    -e "s|@ARCHIVE@|${VANTHU_WEB_ARCHIVE:-127.0.0.1:8004}|" \
    "$HERE/nginx/vanthu.conf.template" >"$out"
}

nginx_bin() {
  command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } ||
    die "nginx is missing; Debian: apt-get install nginx-light (deploy/local/prereqs.sh does)"
}

cmd_up() {
  cmd_build
  local conf="$STATE/nginx/vanthu.conf" bin
  bin=$(nginx_bin)
  mkdir -p "$STATE/nginx"
  cmd_render "$conf"
  "$bin" -t -q -p "$STATE/nginx" -c "$conf" -e "$STATE/nginx/error.log" ||
    die "nginx refuses $conf"
  if pid_alive "$STATE/run/web-nginx.pid"; then
    # Running already: it takes the newly rendered configuration (the app's files are read as asked).
    kill -HUP "$(cat "$STATE/run/web-nginx.pid")"
    log "web-nginx reloaded (pid $(cat "$STATE/run/web-nginx.pid"))"
    return
  fi
  start web-nginx "$PORT" -- "$bin" -p "$STATE/nginx" -c "$conf" -e "$STATE/nginx/error.log"
  wait_port web-nginx "$PORT" "$STATE/run/web-nginx.pid" 20
}

cmd_down() { stop_one web-nginx; }

cmd_status() {
  if pid_alive "$STATE/run/web-nginx.pid"; then
    printf '%-16s running  pid %-7s http://127.0.0.1:%s/\n' web-nginx "$(cat "$STATE/run/web-nginx.pid")" "$PORT"
  else
    printf '%-16s stopped\n' web-nginx
  fi
}

case "${1:-}" in
  build) cmd_build ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  render) [ -n "${2:-}" ] || die "usage: web.sh render FILE"; cmd_render "$2" ;;
  *) die "usage: web.sh build|up|down|status|render FILE" ;;
esac
