#!/usr/bin/env bash
# The signing keys of the local deployment (issue 14, ADR 0019): a SoftHSM2 token under
# $VANTHU_STATE_DIR (default .local/)/signing, a development CA made on this machine (nothing
# committed), and inside the token the key pairs of the demo agency's leaders and of its seal,
# generated in the token (not extractable), with certificates of that CA; and the edXML package
# keys (edxml:<agency>) the local connectors sign with (ADR 0031 addendum).
#
#   signing.sh up     make what is missing (safe to run again: it changes nothing then)
#   signing.sh env    the settings the services need (KEY=VALUE lines; the PIN comes from
#                     secrets.env, never from the repository)
#
# Keys: SIGNING_KEYS (default: the demo directory's leader and head of planning, the seal of
# 000.00.00.G22, and the package keys of the local exchange's connectors, 000.00.00.G22 and
# 000.00.00.H49), one LABEL=COMMON_NAME|ORGANISATION per line.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${VANTHU_STATE_DIR:-$ROOT/.local}
DIR="$STATE/signing"
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
MODULE=${VANTHU_SIGNING_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
TOKEN_LABEL=${VANTHU_SIGNING_TOKEN_LABEL:-vanthu}
PREFIX=signing
DEFAULT_KEYS='lanhdao1=Nguyễn Văn An|Văn phòng Chính phủ
truongphong1=Lê Văn Cường|Văn phòng Chính phủ
seal:000.00.00.G22=Văn phòng Chính phủ|Văn phòng Chính phủ
edxml:000.00.00.G22=Văn thư 000.00.00.G22|Văn phòng Chính phủ
edxml:000.00.00.H49=Văn thư 000.00.00.H49|UBND tỉnh Quảng Ninh (thử nghiệm)'
SIGNING_KEYS=${SIGNING_KEYS:-$DEFAULT_KEYS}

log() { printf '[%s] %s\n' "$PREFIX" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$PREFIX" "$*" >&2; exit 1; }

secret() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }

# The token's PINs live beside the servers' passwords, in secrets.env (0600).
ensure_pins() {
  mkdir -p "$STATE"
  local f="$STATE/secrets.env" name
  (
    umask 077
    touch "$f"
    for name in VANTHU_SIGNING_PIN VANTHU_SIGNING_SO_PIN; do
      grep -q "^$name=" "$f" || echo "$name=$(secret)" >>"$f"
    done
  )
}

pin() { sed -n "s/^$1=//p" "$STATE/secrets.env" | tail -1; }

cmd_env() {
  ensure_pins
  echo "SOFTHSM2_CONF=$DIR/softhsm2.conf"
  echo "VANTHU_SIGNING_PKCS11_MODULE=$MODULE"
  echo "VANTHU_SIGNING_TOKEN_LABEL=$TOKEN_LABEL"
  echo "VANTHU_SIGNING_PIN=$(pin VANTHU_SIGNING_PIN)"
  echo "VANTHU_INTAKE_TRUST_ROOTS_DIR=$DIR/trust"
}

cmd_up() {
  [ -e "$MODULE" ] || die "no PKCS#11 module at $MODULE (Debian: apt-get install softhsm2)"
  command -v softhsm2-util >/dev/null || die "softhsm2-util missing (Debian: apt-get install softhsm2)"
  [ -x "$PYTHON" ] || die "no virtualenv at $ROOT/.venv; run 'make install' first"
  ensure_pins
  mkdir -p "$DIR/tokens"
  chmod 700 "$DIR"
  [ -f "$DIR/softhsm2.conf" ] || printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
    "$DIR/tokens" >"$DIR/softhsm2.conf"
  export SOFTHSM2_CONF="$DIR/softhsm2.conf"
  if ! softhsm2-util --show-slots 2>/dev/null | grep -Eq "Label:[[:space:]]*$TOKEN_LABEL[[:space:]]*\$"; then
    softhsm2-util --init-token --free --label "$TOKEN_LABEL" \
      --so-pin "$(pin VANTHU_SIGNING_SO_PIN)" --pin "$(pin VANTHU_SIGNING_PIN)" >/dev/null ||
      die "could not make the token $TOKEN_LABEL"
    log "token $TOKEN_LABEL made in $DIR/tokens"
  fi
  local keys=()
  while IFS= read -r line; do [ -n "$line" ] && keys+=("$line"); done <<<"$SIGNING_KEYS"
  (
    set -a
    # shellcheck disable=SC1090
    . <(cmd_env)
    set +a
    "$PYTHON" -m vanthu_runtime.signing.dev_token "$DIR" "${keys[@]}"
  ) >/dev/null || die "could not make the keys in the token"
  log "token $TOKEN_LABEL ready: ${#keys[@]} keys, trust list $DIR/trust"
}

case "${1:-}" in
  up) cmd_up ;;
  env) cmd_env ;;
  *) die "usage: signing.sh up|env" ;;
esac
