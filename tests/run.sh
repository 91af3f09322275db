#!/usr/bin/env bash
# run.sh - the whole test suite: Release build with -Werror, the same under AddressSanitizer and
# UndefinedBehaviorSanitizer, the fuzz targets for a short while, and clang-format. Every
# integration test runs twice in each ctest run, on SQLite and on PostgreSQL (integration_pg_*),
# the latter against a private PostgreSQL 15 cluster that tests/pg_cluster.sh starts here in a
# temporary directory (Unix socket only) and stops at the end, also when a step fails.
# Usage: tests/run.sh   (after deploy/install-deps.sh). CATAT_FUZZ_SECONDS sets each fuzz run.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
fuzz_seconds=${CATAT_FUZZ_SECONDS:-20}

echo "== postgresql test cluster"
# A short path under /tmp: the socket's path must fit in 107 bytes.
pg_dir=$(mktemp -d /tmp/catat-pg.XXXXXX)
trap 'tests/pg_cluster.sh stop "$pg_dir" || true' EXIT
trap 'exit 130' INT TERM
# The cluster holds throwaway test databases: no fsync (catat's durability is its own commit
# before the 2xx, which these settings do not change for a server that is never killed).
tests/pg_cluster.sh start "$pg_dir" -c fsync=off -c synchronous_commit=off \
    -c full_page_writes=off -c max_connections=300
while IFS= read -r setting; do
    export "${setting?}"  # CATAT_TEST_PG_HOST, CATAT_TEST_PG_USER: what harness.py connects to
done < <(tests/pg_cluster.sh env "$pg_dir")

echo "== release build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCATAT_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== sanitizers (address, undefined)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCATAT_SANITIZE=ON -DCATAT_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== fuzzers (${fuzz_seconds}s each)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCATAT_FUZZ=ON -DCATAT_SANITIZE=ON \
    -DCATAT_FUZZ_SECONDS="$fuzz_seconds" -DCATAT_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzzers
ctest --test-dir build-fuzz --output-on-failure -R '^fuzz_'

echo "== clang-format"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find gateway parsers tests -name '*.[ch]')
clang-format --dry-run -Werror $files

echo "== all tests passed"
