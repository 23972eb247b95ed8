#!/usr/bin/env bash
# Tools the tests need beyond Python: kcat (an independent Kafka client, from Debian).
set -euo pipefail
PREFIX=prereqs
need=()
command -v kcat >/dev/null || need+=(kcat)
command -v curl >/dev/null || need+=(curl)
if ((${#need[@]})); then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    printf '[%s] installing %s from Debian\n' "$PREFIX" "${need[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    printf '[%s] missing: %s (Debian: sudo apt-get install %s)\n' "$PREFIX" "${need[*]}" "${need[*]}" >&2
    exit 1
  fi
fi
