#!/usr/bin/env bash
# Debian packages the browser and QR tests need: Chromium, zbar (QR decoding), rsvg (SVG → PNG);
# wrk for the benchmarks; python3.11-venv for the virtualenv.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v zbarimg >/dev/null || need+=(zbar-tools)
ldconfig -p | grep -q libzbar.so.0 || need+=(libzbar0)
command -v rsvg-convert >/dev/null || need+=(librsvg2-bin)
command -v wrk >/dev/null || need+=(wrk)
# the virtualenv is made with Debian's optimised Python 3.11 when it has its venv module (Makefile)
if [ "$(id -u)" -eq 0 ] && [ -x /usr/bin/python3.11 ] \
    && ! /usr/bin/python3.11 -c 'import ensurepip' 2>/dev/null; then
  need+=(python3.11-venv)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Please install: ${need[*]} (sudo apt-get install ${need[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
