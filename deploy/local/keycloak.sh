#!/usr/bin/env bash
# Keycloak, an OpenID Connect provider, for signing in with authorization code + PKCE (ADR 0009).
# Optional: `make run` uses dev sign-in; `VANTHU_OIDC=keycloak make run` starts this as well and
# points the services and the web app at it.
#   keycloak.sh install   fetch the distribution from Maven Central and build it (cached)
#   keycloak.sh up        start on 127.0.0.1:${VANTHU_KEYCLOAK_PORT:-8180} with the realm `vanthu`:
#                         the web app's public client and the demo people of the web app's demo
#                         directory, one generated password for all (printed, and kept in
#                         $STATE/secrets/keycloak.env)
#   keycloak.sh down | status
#   keycloak.sh env       the services' settings for this provider (VANTHU_AUTH_*)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/deploy/local"
STATE=${VANTHU_STATE_DIR:-$ROOT/.local}
CACHE=${VANTHU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vanthu}
PREFIX=keycloak
# shellcheck source=deploy/local/proc.sh
. "$HERE/proc.sh"

VERSION=${VANTHU_KEYCLOAK_VERSION:-26.5.6}
PORT=${VANTHU_KEYCLOAK_PORT:-8180}
WEB_ORIGIN=${VANTHU_KEYCLOAK_WEB_ORIGIN:-http://127.0.0.1:${VANTHU_WEB_PORT:-8080}}
AGENCY=${VANTHU_KEYCLOAK_AGENCY:-000.00.00.G22}
DIST="$CACHE/keycloak-$VERSION"
URL="https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/$VERSION/keycloak-quarkus-dist-$VERSION.zip"
ISSUER="http://127.0.0.1:$PORT/realms/vanthu"

# Keycloak 26 needs Java 21 or newer; the machine's default may be 17.
java_home() {
  local candidate version
  for candidate in "${VANTHU_KEYCLOAK_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    version=$("$candidate/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    if [ "${version:-0}" -ge 21 ]; then echo "$candidate"; return; fi
  done
  die "Keycloak $VERSION needs Java 21 or newer (none in /usr/lib/jvm); set VANTHU_KEYCLOAK_JAVA_HOME"
}

cmd_install() {
  [ -f "$DIST/.vanthu-built" ] && return
  local tmp
  tmp=$(mktemp -d)
  log "fetching Keycloak $VERSION from Maven Central"
  curl -fsSL --retry 3 -o "$tmp/kc.zip" "$URL" || die "could not fetch $URL"
  python3 -m zipfile -e "$tmp/kc.zip" "$tmp"
  chmod +x "$tmp/keycloak-$VERSION/bin/"*.sh
  rm -rf "$DIST" && mkdir -p "$CACHE" && mv "$tmp/keycloak-$VERSION" "$DIST" && rm -rf "$tmp"
  log "building Keycloak (once)"
  # No health or metrics: they would open a management port (9000 by default, MinIO's).
  JAVA_HOME=$(java_home) "$DIST/bin/kc.sh" build --db=dev-file >"$CACHE/keycloak-build.log" 2>&1 ||
    die "Keycloak did not build; see $CACHE/keycloak-build.log"
  touch "$DIST/.vanthu-built"
}

secrets_file() { echo "$STATE/secrets/keycloak.env"; }

ensure_secrets() {
  local file
  file=$(secrets_file)
  [ -f "$file" ] && return
  mkdir -p "$(dirname "$file")" && umask 077
  {
    echo "KEYCLOAK_ADMIN_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
    echo "KEYCLOAK_DEMO_PASSWORD=Demo-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
  } >"$file"
}

cmd_up() {
  cmd_install
  ensure_secrets
  # shellcheck disable=SC1090
  . "$(secrets_file)"
  local data="$STATE/data/keycloak" jhome
  jhome=$(java_home)
  mkdir -p "$data" "$STATE/run" "$STATE/logs"
  start keycloak "$PORT" -- env JAVA_HOME="$jhome" \
    KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="$KEYCLOAK_ADMIN_PASSWORD" \
    "$DIST/bin/kc.sh" start --optimized \
    --http-enabled=true --http-host=127.0.0.1 --http-port="$PORT" \
    --hostname="http://127.0.0.1:$PORT" \
    --db-url="jdbc:h2:file:$data/keycloakdb;NON_KEYWORDS=VALUE"
  wait_port keycloak "$PORT" "$STATE/run/keycloak.pid" 300
  local deadline=$((SECONDS + 300)) master="http://127.0.0.1:$PORT/realms/master"
  until curl -fs -o /dev/null "$master/.well-known/openid-configuration"; do
    pid_alive "$STATE/run/keycloak.pid" || die "keycloak exited during start; see $STATE/logs/keycloak.log"
    ((SECONDS < deadline)) || die "keycloak did not answer in time; see $STATE/logs/keycloak.log"
    sleep 1
  done
  import_realm
  cmd_env >"$STATE/run/keycloak.env"
  log "Keycloak on http://127.0.0.1:$PORT (realm vanthu); demo people sign in with the password in $(secrets_file)"
}

# The realm through the admin API (first start only: an existing realm is left as it is).
import_realm() {
  curl -fs -o /dev/null "$ISSUER/.well-known/openid-configuration" && return
  local token
  token=$(curl -fsS "http://127.0.0.1:$PORT/realms/master/protocol/openid-connect/token" \
    --data-urlencode grant_type=password --data-urlencode client_id=admin-cli \
    --data-urlencode username=admin --data-urlencode "password=$KEYCLOAK_ADMIN_PASSWORD" |
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || die "the bootstrap admin could not sign in to Keycloak"
  sed -e "s|@WEB_ORIGIN@|$WEB_ORIGIN|g" -e "s|@AGENCY@|$AGENCY|g" \
    -e "s|@DEMO_PASSWORD@|$KEYCLOAK_DEMO_PASSWORD|g" "$HERE/keycloak/vanthu-realm.json.in" |
    curl -fsS -o /dev/null -X POST "http://127.0.0.1:$PORT/admin/realms" \
      -H "Authorization: Bearer $token" -H "Content-Type: application/json" --data-binary @- ||
    die "Keycloak refused the realm vanthu"
}

cmd_env() {
  echo "VANTHU_AUTH_ISSUER=$ISSUER"
  echo "VANTHU_AUTH_JWKS_URL=$ISSUER/protocol/openid-connect/certs"
  echo "VANTHU_AUTH_OIDC_CLIENT_ID=vanthu-web"
  echo "VANTHU_AUTH_USER_CLAIM=preferred_username"
}

cmd_down() {
  stop_one keycloak
  rm -f "$STATE/run/keycloak.env"
}

cmd_status() {
  if pid_alive "$STATE/run/keycloak.pid"; then
    printf '%-16s running  pid %-7s http://127.0.0.1:%s/\n' keycloak "$(cat "$STATE/run/keycloak.pid")" "$PORT"
  else
    printf '%-16s stopped\n' keycloak
  fi
}

case "${1:-}" in
  install) cmd_install ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) die "usage: keycloak.sh install|up|down|status|env" ;;
esac
