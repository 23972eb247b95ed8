#!/usr/bin/env bash
# The demo agency's directory in routing, exactly as the web app's sign-in page creates it
# (web/src/demo.ts): its units and people (read from that file), the secretary's delegation from
# the leader and the rule that presents every incoming document to the leader with the planning
# office leading. Safe to run again: the import saves the same rows, a delegation granted before
# stands as it is, the rules are put again.
#   demo-directory.sh            against routing at $ROUTING (default http://127.0.0.1:8002)
# Needs dev auth (make run): it signs in as an administrator with a `vanthu token`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PREFIX=demo-directory
ROUTING=${ROUTING:-http://127.0.0.1:8002}
AGENCY=${AGENCY:-000.00.00.G22}
DEMO="$ROOT/web/src/demo.ts"

die() { printf '[%s] error: %s\n' "$PREFIX" "$*" >&2; exit 1; }

# The CSV rows of DEMO_DIRECTORY_CSV: the quoted lines between `[` and `].join`.
csv=$(sed -n "/DEMO_DIRECTORY_CSV = \[/,/\]\.join/{s/^ *'\(.*\)',\$/\1/p}" "$DEMO")
[ -n "$csv" ] || die "no DEMO_DIRECTORY_CSV in $DEMO"
# DEMO_DELEGATION and DEMO_RULES, as JSON.
delegation='{"delegation_id": "uy-quyen-thuky1", "leader_user_id": "lanhdao1",
  "secretary_user_id": "thuky1", "valid_from": "2020-01-01T00:00:00+07:00"}'
rules='{"default": {"leader_user_id": "lanhdao1", "lead_unit_id": "phong-ke-hoach"}, "rules": []}'

token=$(cd "$ROOT" && .venv/bin/vanthu token --user dev-directory --agency "$AGENCY" \
  --role administrator --name "Đăng nhập thử nghiệm") || die "no token (is dev auth on?)"
auth="Authorization: Bearer $token"

# call METHOD PATH BODY CONTENT-TYPE OK-CODES...: the answer's body on stdout, dies on another code
call() {
  local method=$1 path=$2 body=$3 type=$4 answer code
  shift 4
  answer=$(curl -sS -X "$method" "$ROUTING$path" -H "$auth" -H "Content-Type: $type" \
    --data-binary "$body" -w '\n%{http_code}') || die "routing at $ROUTING does not answer"
  code=${answer##*$'\n'}
  for ok in "$@"; do
    if [ "$code" = "$ok" ]; then
      printf '%s\n' "${answer%$'\n'*}"
      return
    fi
  done
  die "$method $path answered $code: ${answer%$'\n'*}"
}

imported=$(call POST /directory/import "$csv" text/csv 200)
call POST /directory/delegations "$delegation" application/json 201 409 422 >/dev/null
call PUT /directory/routing-rules "$rules" application/json 200 >/dev/null
printf '[%s] %s in routing (%s): %s, delegation thuky1 for lanhdao1, rule: lanhdao1 directs, phong-ke-hoach leads\n' \
  "$PREFIX" "$AGENCY" "$ROUTING" "$imported" >&2
