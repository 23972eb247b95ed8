#!/usr/bin/env bash
# Local servers without Docker: Apache Kafka (KRaft) from Maven Central jars, FerretDB v1 (SQLite
# backend) and MinIO built with Go. Builds and downloads are cached outside the checkout, data and
# logs live in the ignored .local/ folder of the project. See docs/adr/0002-local-servers.md.
#
#   infra.sh install   fetch/build what is missing (cached)
#   infra.sh up        install, start the three servers on 127.0.0.1, wait until they answer
#   infra.sh down      stop them (data is kept)
#   infra.sh status    one line per server
#   infra.sh env       the environment the tests and operators use (KEY=VALUE lines; the
#                      Mongo-wire and Kafka logins are the administrators')
#   infra.sh service-env NAME   a service's own Mongo-wire, Kafka and MinIO logins (services.sh
#                      uses them)
#   infra.sh which X   path of the cached binary or jar folder for X (kafka|ferretdb|minio)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/deploy/local"
STATE=${VANTHU_STATE_DIR:-$ROOT/.local}
CACHE=${VANTHU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vanthu}

KAFKA_VERSION=4.1.1
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
KAFKA_PORT=${VANTHU_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${VANTHU_KAFKA_CONTROLLER_PORT:-9093}
MONGO_PORT=${VANTHU_MONGO_PORT:-27017}
MINIO_PORT=${VANTHU_MINIO_PORT:-9000}
MINIO_CONSOLE_PORT=${VANTHU_MINIO_CONSOLE_PORT:-9001}

KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
FERRET_MODULE=github.com/FerretDB/FerretDB
FERRET_STAMP=$(cat "$HERE/ferretdb/go.mod" "$HERE/ferretdb/go.sum" "$HERE"/ferretdb/*.go \
  "$HERE"/ferretdb/patches/*.patch | sha256sum | cut -c1-12)
FERRET_BIN="$CACHE/bin/ferretdb-sqlite-$FERRET_STAMP"
# synchronous=NORMAL in WAL mode: a commit is durable against a crash of FerretDB (MongoDB's w:1),
# not against a power loss, which may lose the last commits (fsync at checkpoints only; ADR 0005).
FERRET_SQLITE_QUERY='?_pragma=synchronous(normal)'
MINIO_BIN="$CACHE/bin/minio-$MINIO_VERSION"
# Kafka's logins (ADR 0005 addendum): SCRAM on the clients' listener, the administrator made at
# format time, a user per service after start. The marker says the broker of this state folder was
# formatted with logins; a folder formatted before them keeps an open broker (start_kafka says so).
KAFKA_SASL_MECHANISM=SCRAM-SHA-256
KAFKA_ADMIN_USER=vanthu-admin
KAFKA_SERVICE_USERS=(intake routing exchange archive)
KAFKA_LOGINS_MARKER="$STATE/data/kafka-logins"
KAFKA_USERS_MADE="$STATE/data/kafka-users-made"

PREFIX=infra
# shellcheck source=deploy/local/proc.sh
. "$HERE/proc.sh"

require_tools() {
  local missing=()
  command -v java >/dev/null || missing+=("Java 17+ (Debian: apt-get install openjdk-17-jre-headless)")
  command -v mvn >/dev/null || missing+=("Maven (Debian: apt-get install maven)")
  if ! command -v go >/dev/null; then
    missing+=("Go 1.24+ (the toolchain from go.dev; Debian's golang is too old for MinIO)")
  fi
  if ((${#missing[@]})); then
    printf '[infra] missing: %s\n' "${missing[@]}" >&2
    exit 1
  fi
  local java_major
  java_major=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  [ "${java_major%%.*}" -ge 17 ] 2>/dev/null || die "Kafka $KAFKA_VERSION needs Java 17+, found ${java_major:-unknown}"
}

install_kafka() {
  [ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ] && return
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central (once)"
  local tmp="$KAFKA_LIBS.tmp"
  rm -rf "$tmp"
  mvn -B -q -f "$HERE/kafka/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$tmp" -DincludeScope=runtime
  mv "$tmp" "$KAFKA_LIBS"
}

# FerretDB is built from a patched copy of its module source (docs/adr/0005-…): Go does not build
# edited files inside the module cache, so the version go.mod names is copied out of it into a
# build folder of the cache, patched with deploy/local/ferretdb/patches/*.patch in order, and the
# wrapper is built with a `replace` onto that copy (a copy of the wrapper's go.mod is edited, the
# committed one keeps no machine path).
install_ferretdb() {
  [ -x "$FERRET_BIN" ] && return
  log "building FerretDB v1 (SQLite backend, patched) with Go (once)"
  local build="$CACHE/build/ferretdb-$FERRET_STAMP" src patch
  rm -rf "$build" && mkdir -p "$build/wrapper" "$CACHE/bin"
  cp "$HERE"/ferretdb/go.mod "$HERE"/ferretdb/go.sum "$HERE"/ferretdb/*.go "$build/wrapper/"
  local -x CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
  src=$(cd "$build/wrapper" && go mod download "$FERRET_MODULE" && go list -m -f '{{.Dir}}' "$FERRET_MODULE")
  [ -d "$src" ] || die "no module source for $FERRET_MODULE (go list said: $src)"
  cp -R "$src" "$build/FerretDB"
  chmod -R u+w "$build/FerretDB"
  for patch in "$HERE"/ferretdb/patches/*.patch; do
    patch -d "$build/FerretDB" -p1 --forward --batch --quiet <"$patch" || die "patch $(basename "$patch") does not apply"
  done
  (cd "$build/wrapper" && go mod edit -replace "$FERRET_MODULE=../FerretDB" &&
    go build -trimpath -o "$FERRET_BIN.tmp" .)
  mv "$FERRET_BIN.tmp" "$FERRET_BIN"
  rm -rf "$build"
}

install_minio() {
  [ -x "$MINIO_BIN" ] && return
  log "building MinIO $MINIO_VERSION with Go (once; a few minutes)"
  local gobin="$CACHE/gobin.tmp"
  rm -rf "$gobin" && mkdir -p "$gobin" "$CACHE/bin"
  (cd "$CACHE" && GOBIN="$gobin" CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-trimpath \
    go install "github.com/minio/minio@$MINIO_VERSION")
  mv "$gobin/minio" "$MINIO_BIN"
  rm -rf "$gobin"
}

cmd_install() {
  require_tools
  install_kafka
  install_ferretdb
  install_minio
}

# Secrets are made on first start and kept out of the repository; a key that an older
# secrets.env lacks is added to it (a new server login), the others are kept.
secret() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }

ensure_secrets() {
  mkdir -p "$STATE"
  local f="$STATE/secrets.env" name
  umask 077
  touch "$f"
  grep -q '^VANTHU_S3_ACCESS_KEY=' "$f" ||
    echo "VANTHU_S3_ACCESS_KEY=vanthu-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')" >>"$f"
  for name in VANTHU_S3_SECRET_KEY VANTHU_AUTH_DEV_SECRET VANTHU_MONGO_ADMIN_PASSWORD \
    VANTHU_MONGO_PASSWORD_INTAKE VANTHU_MONGO_PASSWORD_ROUTING VANTHU_MONGO_PASSWORD_EXCHANGE \
    VANTHU_MONGO_PASSWORD_ARCHIVE VANTHU_S3_SECRET_KEY_INTAKE VANTHU_S3_SECRET_KEY_ROUTING \
    VANTHU_S3_SECRET_KEY_EXCHANGE VANTHU_S3_SECRET_KEY_ARCHIVE VANTHU_KAFKA_ADMIN_PASSWORD \
    VANTHU_KAFKA_PASSWORD_INTAKE VANTHU_KAFKA_PASSWORD_ROUTING VANTHU_KAFKA_PASSWORD_EXCHANGE \
    VANTHU_KAFKA_PASSWORD_ARCHIVE VANTHU_KAFKA_TOOLS_PASSWORD VANTHU_KAFKA_CONTROLLER_PASSWORD; do
    grep -q "^$name=" "$f" || echo "$name=$(secret)" >>"$f"
  done
}

# The Mongo-wire URI of a user of the admin database (SCRAM-SHA-256, ADR 0005 addendum).
mongo_uri() {
  echo "mongodb://$1:$2@127.0.0.1:$MONGO_PORT/"
}

kafka_has_logins() { [ -f "$KAFKA_LOGINS_MARKER" ]; }

# kafka_login USER PASSWORD: a Kafka client's settings (runtime's KafkaSettings), when the broker
# of this state folder has logins; nothing for an open one.
kafka_login() {
  kafka_has_logins || return 0
  echo "VANTHU_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT"
  echo "VANTHU_KAFKA_SASL_MECHANISM=$KAFKA_SASL_MECHANISM"
  echo "VANTHU_KAFKA_USERNAME=$1"
  echo "VANTHU_KAFKA_PASSWORD=$2"
}

# The operators' and the tests' settings: the Mongo-wire URI and the Kafka login are the
# administrators' (services.sh gives each service its own users instead).
cmd_env() {
  ensure_secrets
  grep -v -e '^VANTHU_MONGO_' -e '^VANTHU_S3_SECRET_KEY_' -e '^VANTHU_KAFKA_' "$STATE/secrets.env"
  # shellcheck disable=SC1091
  . "$STATE/secrets.env"
  echo "VANTHU_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT"
  kafka_login "$KAFKA_ADMIN_USER" "$VANTHU_KAFKA_ADMIN_PASSWORD"
  echo "VANTHU_MONGO_URI=$(mongo_uri vanthu-admin "$VANTHU_MONGO_ADMIN_PASSWORD")"
  echo "VANTHU_S3_ENDPOINT=127.0.0.1:$MINIO_PORT"
  # librdkafka-based tools older than 2.6.1 (Debian's kcat) sign in over PLAIN as vanthu-tools.
  if kafka_has_logins; then
    echo "VANTHU_KAFKA_TOOLS_USERNAME=vanthu-tools"
    echo "VANTHU_KAFKA_TOOLS_PASSWORD=$VANTHU_KAFKA_TOOLS_PASSWORD"
  fi
}

# service-env NAME: a service's own logins, Mongo-wire, MinIO and Kafka (services.sh makes the
# Mongo-wire and MinIO users with `python -m vanthu_runtime.server_logins`; `up` the Kafka ones).
cmd_service_env() {
  ensure_secrets
  # shellcheck disable=SC1091
  . "$STATE/secrets.env"
  local mongo="VANTHU_MONGO_PASSWORD_${1^^}" s3="VANTHU_S3_SECRET_KEY_${1^^}"
  local kafka="VANTHU_KAFKA_PASSWORD_${1^^}"
  [ -n "${!mongo:-}" ] && [ -n "${!s3:-}" ] && [ -n "${!kafka:-}" ] || die "no logins for service $1"
  echo "VANTHU_MONGO_URI=$(mongo_uri "$1" "${!mongo}")"
  echo "VANTHU_S3_ACCESS_KEY=vanthu-$1"
  echo "VANTHU_S3_SECRET_KEY=${!s3}"
  kafka_login "$1" "${!kafka}"
}

# The broker's configuration, in $STATE/run with mode 600 (with logins it holds the password the
# broker signs in to its own listener with).
render_kafka_config() {
  local conf=$1 data=$2 listener=PLAINTEXT
  kafka_has_logins && listener=SASL_PLAINTEXT
  (
    umask 077
    sed -e "s#@DATA_DIR@#$data#" -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" \
      -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@CLIENT_LISTENER@#$listener#g" \
      "$HERE/kafka/server.properties.in" >"$conf"
    if kafka_has_logins; then
      sed -e "s#@SASL_MECHANISM@#$KAFKA_SASL_MECHANISM#g" \
        -e "s#@SASL_MECHANISM_LOWER@#${KAFKA_SASL_MECHANISM,,}#g" \
        -e "s#@ADMIN_USER@#$KAFKA_ADMIN_USER#g" -e "s#@ADMIN_PASSWORD@#$VANTHU_KAFKA_ADMIN_PASSWORD#g" \
        -e "s#@TOOLS_PASSWORD@#$VANTHU_KAFKA_TOOLS_PASSWORD#g" \
        -e "s#@CONTROLLER_PASSWORD@#$VANTHU_KAFKA_CONTROLLER_PASSWORD#g" \
        "$HERE/kafka/sasl.properties.in" >>"$conf"
    fi
  )
}

# kafka_tool ARG...: a Kafka command-line tool of the jars, its arguments read from a file of
# mode 600 (java's @argfile), so that no password shows on a command line.
kafka_tool() {
  local args status=0
  args=$(umask 077 && mktemp "$STATE/run/kafka-args.XXXXXX")
  printf '%s\n' "$@" >"$args"
  java -cp "$KAFKA_LIBS/*" -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$HERE/kafka/log4j2.properties" \
    "@$args" || status=$?
  rm -f "$args"
  return "$status"
}

# A new state folder's broker is formatted with logins: the administrator's SCRAM credential goes
# into the metadata log at format time. One formatted before logins existed keeps running open,
# with its topics, so that whoever uses it is not cut off; removing $STATE/data/kafka (its
# topics and offsets go) gives it logins on the next `up`.
start_kafka() {
  local data="$STATE/data/kafka" conf="$STATE/run/kafka-server.properties" formatted=true
  mkdir -p "$data" "$STATE/run" "$STATE/logs"
  ensure_secrets
  # shellcheck disable=SC1091
  . "$STATE/secrets.env"
  if [ ! -f "$data/meta.properties" ]; then
    formatted=false
    echo "$KAFKA_SASL_MECHANISM" >"$KAFKA_LOGINS_MARKER"
    rm -f "$KAFKA_USERS_MADE"
  fi
  render_kafka_config "$conf" "$data"
  local jopts=(-Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$HERE/kafka/log4j2.properties" "-Dkafka.logs.dir=$STATE/logs")
  if ! $formatted; then
    local cid
    cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    kafka_tool kafka.tools.StorageTool format -t "$cid" -c "$conf" \
      --add-scram "$KAFKA_SASL_MECHANISM=[name=$KAFKA_ADMIN_USER,password=$VANTHU_KAFKA_ADMIN_PASSWORD]" >&2
  elif ! kafka_has_logins; then
    log "kafka in $STATE was formatted before Kafka had logins: it stays open (PLAINTEXT) and 'env' gives no Kafka login; stop it and remove $STATE/data/kafka (its topics go) to get logins"
  fi
  start kafka "$KAFKA_PORT" -- java -cp "$KAFKA_LIBS/*" "${jopts[@]}" kafka.Kafka "$conf"
}

# Each service's Kafka user (SCRAM), made or given its password again through the administrator's
# login, whenever the users or their passwords differ from those made last time.
ensure_kafka_users() {
  kafka_has_logins || return 0
  # shellcheck disable=SC1091
  . "$STATE/secrets.env"
  local name password made admin="$STATE/run/kafka-admin.properties"
  made=$(for name in "${KAFKA_SERVICE_USERS[@]}"; do
    password="VANTHU_KAFKA_PASSWORD_${name^^}"
    echo "$name=${!password}"
  done | sha256sum | cut -c1-16)
  [ "$(cat "$KAFKA_USERS_MADE" 2>/dev/null)" = "$made" ] && return 0
  (
    umask 077
    printf '%s\n' "security.protocol=SASL_PLAINTEXT" "sasl.mechanism=$KAFKA_SASL_MECHANISM" \
      "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$KAFKA_ADMIN_USER\" password=\"$VANTHU_KAFKA_ADMIN_PASSWORD\";" >"$admin"
  )
  for name in "${KAFKA_SERVICE_USERS[@]}"; do
    password="VANTHU_KAFKA_PASSWORD_${name^^}"
    kafka_tool kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
      --command-config "$admin" --alter --entity-type users --entity-name "$name" \
      --add-config "$KAFKA_SASL_MECHANISM=[password=${!password}]" >/dev/null ||
      die "could not make the Kafka user $name (above)"
  done
  echo "$made" >"$KAFKA_USERS_MADE"
  log "kafka users made: ${KAFKA_SERVICE_USERS[*]}"
}

# A FerretDB started from an older build (its sources or patches changed since) or with other
# SQLite settings is restarted on the current one; the other servers keep running.
stop_stale_ferretdb() {
  local pidf="$STATE/run/ferretdb.pid"
  pid_alive "$pidf" || return 0
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$(cat "$pidf")/cmdline" 2>/dev/null || true)
  [[ $cmdline == *"$FERRET_BIN -auth "*"$FERRET_SQLITE_QUERY "* ]] && return 0
  log "ferretdb runs an older build or other settings; restarting it on $(basename "$FERRET_BIN")"
  stop_one ferretdb
}

# Every client signs in (SCRAM-SHA-256); the administrator is made on the first start, from the
# environment, never the command line.
start_ferretdb() {
  stop_stale_ferretdb
  ensure_secrets
  mkdir -p "$STATE/data/ferretdb"
  # shellcheck disable=SC1091
  . "$STATE/secrets.env"
  (
    export FERRETDB_SETUP_USERNAME=vanthu-admin FERRETDB_SETUP_PASSWORD=$VANTHU_MONGO_ADMIN_PASSWORD
    start ferretdb "$MONGO_PORT" -- "$FERRET_BIN" -auth -listen-addr "127.0.0.1:$MONGO_PORT" \
      -sqlite-url "file:$STATE/data/ferretdb/$FERRET_SQLITE_QUERY"
  )
}

start_minio() {
  ensure_secrets
  mkdir -p "$STATE/data/minio"
  # shellcheck disable=SC1091
  . "$STATE/secrets.env"
  export MINIO_ROOT_USER=$VANTHU_S3_ACCESS_KEY MINIO_ROOT_PASSWORD=$VANTHU_S3_SECRET_KEY
  export MINIO_UPDATE=off MINIO_BROWSER_REDIRECT=off
  start minio "$MINIO_PORT" -- "$MINIO_BIN" server "$STATE/data/minio" \
    --address "127.0.0.1:$MINIO_PORT" --console-address "127.0.0.1:$MINIO_CONSOLE_PORT" --quiet
}

cmd_up() {
  cmd_install
  start_kafka
  start_ferretdb
  start_minio
  wait_port kafka "$KAFKA_PORT" "$STATE/run/kafka.pid" 120
  ensure_kafka_users
  wait_port ferretdb "$MONGO_PORT" "$STATE/run/ferretdb.pid"
  wait_port minio "$MINIO_PORT" "$STATE/run/minio.pid"
  log "Kafka 127.0.0.1:$KAFKA_PORT, Mongo-wire 127.0.0.1:$MONGO_PORT, MinIO 127.0.0.1:$MINIO_PORT (console :$MINIO_CONSOLE_PORT)"
}

cmd_down() {
  stop_one minio
  stop_one ferretdb
  stop_one kafka
}

cmd_status() {
  local name port
  for pair in "kafka:$KAFKA_PORT" "ferretdb:$MONGO_PORT" "minio:$MINIO_PORT"; do
    name=${pair%%:*} port=${pair#*:}
    if pid_alive "$STATE/run/$name.pid"; then
      printf '%-9s running  pid %-7s 127.0.0.1:%s\n' "$name" "$(cat "$STATE/run/$name.pid")" "$port"
    else
      printf '%-9s stopped\n' "$name"
    fi
  done
}

cmd_which() {
  case "${1:-}" in
    kafka) echo "$KAFKA_LIBS" ;;
    ferretdb) echo "$FERRET_BIN" ;;
    minio) echo "$MINIO_BIN" ;;
    *) die "which takes kafka, ferretdb or minio" ;;
  esac
}

# One `up` or `down` at a time: tests and a person may both ask for the servers at once.
serialized() {
  mkdir -p "$STATE"
  exec 9>"$STATE/infra.lock"
  flock 9
  "$@"
}

case "${1:-}" in
  install) serialized cmd_install ;;
  up) serialized cmd_up ;;
  down) serialized cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  service-env) cmd_service_env "${2:-}" ;;
  which) cmd_which "${2:-}" ;;
  *) die "usage: infra.sh install|up|down|status|env|service-env NAME|which NAME" ;;
esac
