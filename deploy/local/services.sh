#!/usr/bin/env bash
# The four services, each as an API process and a worker process, on 127.0.0.1.
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
PYTHON="$ROOT/.venv/bin/python"

processes() {
  local pair name port
  for pair in "${SERVICES[@]}"; do
    name=${pair%%:*} port=${pair#*:}
    echo "$name api $port"
    echo "$name worker $((port + 100))"
  done
}

export_env() {
  set -a
  # shellcheck disable=SC1090
  . <("$HERE/infra.sh" env)
  set +a
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
  local name kind port
  while read -r name kind port; do
    start "$name-$kind" "$port" -- "$PYTHON" -m "vanthu_$name" "$kind" --port "$port"
  done < <(processes)
  while read -r name kind port; do
    wait_ready "$name-$kind" "$port"
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
