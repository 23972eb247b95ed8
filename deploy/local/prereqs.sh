#!/usr/bin/env bash
# Tools the tests need beyond Python: kcat (an independent Kafka client, from Debian), intake's
# OCR tools and fonts, and for the web app nginx (one origin for the app and the APIs) and
# Chromium (its browser tests, driven by playwright-core; no browser download).
set -euo pipefail
PREFIX=prereqs
need=()
command -v kcat >/dev/null || need+=(kcat)
command -v curl >/dev/null || need+=(curl)
# intake's OCR (Tesseract with Vietnamese through OCRmyPDF) and the font of its printed registers
command -v tesseract >/dev/null || need+=(tesseract-ocr)
[ -e /usr/share/tesseract-ocr/5/tessdata/vie.traineddata ] || need+=(tesseract-ocr-vie)
command -v ocrmypdf >/dev/null || need+=(ocrmypdf)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# pdftotext: intake checks the number printed in a signed outgoing PDF; tests read registers
command -v pdftotext >/dev/null || need+=(poppler-utils)
# xmlsec1: an independent check of the exchange's XML signatures (our profile and the VPCP SDK's)
command -v xmlsec1 >/dev/null || need+=(xmlsec1)
# intake's signing (issue 14): keys inside a PKCS#11 token, SoftHSM2 locally (deploy/local/signing.sh)
[ -e /usr/lib/softhsm/libsofthsm2.so ] && command -v softhsm2-util >/dev/null || need+=(softhsm2)
# the web app (web/, deploy/local/web.sh); Node.js 20.19+ and npm are expected on the machine
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v chromium >/dev/null || need+=(chromium)
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
