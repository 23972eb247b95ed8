#!/usr/bin/env bash
# The four services, each as an API process and a worker process, on 127.0.0.1, and the local
# exchange (ADR 0049): the exchange API is the hub, the exchange worker the connector of this
# deployment's agency, and exchange-partner the connector of a second demo agency (its own
# database; health on :8113). The three agencies are registered at the hub between the two.
# Their secrets are made on first start into .local/exchange.env.
#   services.sh up       start what is not running, wait until every /health/ready answers 200
#   services.sh down     stop them
#   services.sh status   one line per process
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/deploy/local"
STATE=${VANTHU_STATE_DIR:-$ROOT/.local}
PREFIX=services
# shellcheck source=deploy/local/proc.sh
. "$HERE/proc.sh"

SERVICES=(intake:8001 routing:8002 exchange:8003 archive:8004)
EXCHANGE_PARTNER_PORT=8113
HUB_URL=http://127.0.0.1:8003
PYTHON="$ROOT/.venv/bin/python"

processes() {
  local pair name port
  for pair in "${SERVICES[@]}"; do
    name=${pair%%:*} port=${pair#*:}
    echo "$name api $port"
    echo "$name worker $((port + 100))"
  done
  echo "exchange partner $EXCHANGE_PARTNER_PORT"
  echo "routing indicators 8202"
}

# The connectors start once the hub knows their systems (a connector signing in before would
# count failed sign-ins against its own system).
is_connector() { [ "$1" = exchange-worker ] || [ "$1" = exchange-partner ]; }

local_exchange() { "$PYTHON" -m vanthu_exchange.local_exchange "$@" --state "$STATE" --hub-url "$HUB_URL"; }

# Each service signs in to the Mongo-wire server, MinIO and Kafka as itself (infra.sh
# service-env); the Mongo-wire and MinIO users are made (once) and their MinIO policies set by the
# administrators here, the Kafka users by `infra.sh up` (ADR 0005 addenda).
ensure_service_logins() {
  "$PYTHON" -m vanthu_runtime.server_logins "$STATE/secrets.env" >/dev/null ||
    die "could not make the services' logins on the Mongo-wire server and MinIO"
}

start_process() {
  local name=$1 kind=$2 port=$3 role="" env_lines signing_lines logins
  case "$name-$kind" in
    exchange-api) role=hub ;;
    exchange-worker) role=connector ;;
    exchange-partner) role=partner ;;
  esac
  logins=$("$HERE/infra.sh" service-env "$name") || die "no logins for $name"
  env_lines=""
  if [ -n "$role" ]; then
    env_lines=$(local_exchange env "$role") || die "cannot make the exchange's settings"
  fi
  # Intake signs outgoing documents with the keys of the token signing.sh made (issue 14), and
  # the connectors their edXML packages with its edxml:<agency> keys (ADR 0031 addendum).
  if [ "$name" = intake ] || is_connector "$name-$kind"; then
    signing_lines=$("$HERE/signing.sh" env) || die "cannot read the signing token's settings"
    env_lines=$(printf '%s\n' "$env_lines" "$signing_lines")
  fi
  # In a subshell: the secrets reach that process's environment only, never a command line.
  (
    set -a
    # shellcheck disable=SC1090
    . <(printf '%s\n' "$logins" "$env_lines")
    set +a
    start "$name-$kind" "$port" -- "$PYTHON" -m "vanthu_$name" "${kind/partner/worker}" --port "$port"
  )
}

export_env() {
  set -a
  # shellcheck disable=SC1090
  . <("$HERE/infra.sh" env)
  set +a
  # The identity provider, when `VANTHU_OIDC=keycloak make run` started one (keycloak.sh, ADR 0009).
  if [ -f "$STATE/run/keycloak.env" ]; then
    set -a
    # shellcheck disable=SC1091
    . "$STATE/run/keycloak.env"
    set +a
  fi
  export VANTHU_AUTH_DEV_MODE=${VANTHU_AUTH_DEV_MODE:-true}
  export VANTHU_LOG_JSON=${VANTHU_LOG_JSON:-true}
}

wait_ready() {
  local name=$1 port=$2 deadline=$((SECONDS + ${3:-90}))
  until curl -fs -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null; do
    pid_alive "$STATE/run/$name.pid" || die "$name exited during start; see $STATE/logs/$name.log"
    ((SECONDS < deadline)) || die "$name not ready in time: $(curl -s "http://127.0.0.1:$port/health/ready")"
    sleep 0.5
  done
}

cmd_up() {
  [ -x "$PYTHON" ] || die "no virtualenv at $ROOT/.venv; run 'make install' first"
  export_env
  ensure_service_logins
  "$HERE/signing.sh" up || die "the signing token could not be made (deploy/local/signing.sh)"
  local name kind port
  while read -r name kind port; do
    is_connector "$name-$kind" || start_process "$name" "$kind" "$port"
  done < <(processes)
  while read -r name kind port; do
    is_connector "$name-$kind" || wait_ready "$name-$kind" "$port"
  done < <(processes)
  local_exchange register || die "the local exchange could not be set up (above)"
  while read -r name kind port; do
    if is_connector "$name-$kind"; then start_process "$name" "$kind" "$port"; fi
  done < <(processes)
  while read -r name kind port; do
    if is_connector "$name-$kind"; then wait_ready "$name-$kind" "$port"; fi
  done < <(processes)
}

cmd_down() {
  local name kind port
  while read -r name kind port; do
    stop_one "$name-$kind"
  done < <(processes)
}

cmd_status() {
  local name kind port code
  while read -r name kind port; do
    if pid_alive "$STATE/run/$name-$kind.pid"; then
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)
      printf '%-16s running  pid %-7s http://127.0.0.1:%s  ready=%s\n' \
        "$name-$kind" "$(cat "$STATE/run/$name-$kind.pid")" "$port" "$code"
    else
      printf '%-16s stopped\n' "$name-$kind"
    fi
  done < <(processes)
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) die "usage: services.sh up|down|status" ;;
esac
