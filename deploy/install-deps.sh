#!/bin/sh
# install-deps.sh - installs every Debian 12 package catat's build, tests and benchmark need.
# Non-interactive and idempotent; uses sudo when not run as root.
set -eu
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    build-essential cmake pkg-config ca-certificates \
    libmicrohttpd-dev libjansson-dev libsqlite3-dev libcurl4-openssl-dev \
    libinih-dev libssl-dev libutf8proc-dev libcmocka-dev libxlsxwriter-dev libpq-dev libjsmn-dev \
    clang libclang-rt-14-dev clang-format \
    python3 sqlite3 curl wrk \
    postgresql python3-psycopg2 \
    chromium chromium-driver python3-selenium \
    kannel kannel-extras >/dev/null
echo "install-deps: done"
