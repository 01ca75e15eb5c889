#!/usr/bin/env bash
# Tools `just bench` needs besides the Rust build: redis-server and chromium (through
# scripts/ensure-deps.sh), and SnapPass + gunicorn in a private virtualenv (bench/work/venv).
set -euo pipefail
cd "$(dirname "$0")/.."

# redis-server and chromium: the same installer the test suite uses.
scripts/ensure-deps.sh

venv=bench/work/venv
# snappass imports distutils, which setuptools provides on Python 3.12+.
if ! "$venv/bin/python" -c 'import snappass.main, gunicorn' >/dev/null 2>&1; then
  echo "==> python3 -m venv $venv && pip install snappass gunicorn setuptools"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$venv"
    else
      echo "python3 -m venv failed: install python3-venv (sudo apt-get install -y python3-venv)" >&2
      exit 1
    fi
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check snappass gunicorn setuptools
  "$venv/bin/python" -c 'import snappass.main, gunicorn'
fi
