#!/usr/bin/env bash
# LibreOffice Calc (headless, no GUI) for the export test: the exported CSV / xlsx must open in a spreadsheet
# with its Chinese intact (`soffice --headless --convert-to`). Debian packages; installs only what is missing.
set -euo pipefail
if command -v soffice >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null
