# Process helpers shared by infra.sh and services.sh: detached start with pid and log files under
# $STATE, readiness by port, stop with TERM then KILL. Sourced, not run.

log() { printf '[%s] %s\n' "$PREFIX" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$PREFIX" "$*" >&2; exit 1; }

# Alive and not a zombie: a killed server whose parent is gone may stay a zombie until reaped.
pid_alive() {
  [ -f "$1" ] || return 1
  local pid
  pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local name=$1 port=$2 pidf=$3 deadline=$((SECONDS + ${4:-90}))
  until port_open "$port"; do
    pid_alive "$pidf" || die "$name exited during start; see $STATE/logs/$name.log"
    ((SECONDS < deadline)) || die "$name did not open 127.0.0.1:$port in time; see $STATE/logs/$name.log"
    sleep 0.3
  done
}

# start NAME PORT -- COMMAND...: runs COMMAND detached with its log and pid file under .local/
start() {
  local name=$1 port=$2; shift 3
  local pidf="$STATE/run/$name.pid"
  if pid_alive "$pidf"; then
    log "$name already running (pid $(cat "$pidf"))"
    return
  fi
  if port_open "$port"; then
    die "127.0.0.1:$port is taken by another process; set VANTHU_*_PORT to move $name"
  fi
  mkdir -p "$STATE/run" "$STATE/logs"
  # 9>&-: the server must not inherit the lock of infra.sh (it would hold it for its whole life)
  setsid nohup "$@" >>"$STATE/logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$pidf"
}

stop_one() {
  local name=$1 pidf="$STATE/run/$1.pid"
  pid_alive "$pidf" || { rm -f "$pidf"; return; }
  local pid deadline=$((SECONDS + 30))
  pid=$(cat "$pidf")
  kill -TERM "$pid" 2>/dev/null || true
  while pid_alive "$pidf"; do
    if ((SECONDS >= deadline)); then
      log "$name did not stop in 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.3
  done
  rm -f "$pidf"
  log "$name stopped"
}

