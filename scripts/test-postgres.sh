#!/usr/bin/env bash
# Start (or reuse) a throwaway PostgreSQL on 127.0.0.1 for the test suite and print its SQLAlchemy URL.
# Installs Debian's `postgresql` package when the server is missing and we are root. Stop it with `stop`.
set -euo pipefail
PORT=${PGTEST_PORT:-54329}
DIR=${PGTEST_DIR:-/tmp/park-matcher-pgtest-$PORT}
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/matcher_test"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
as_owner() {  # initdb and the server refuse to run as root: use the package's postgres user then
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

BIN=$(find_bin)
if [ "${1:-}" = stop ]; then
  [ -n "$BIN" ] && [ -d "$DIR" ] && as_owner "$BIN/pg_ctl -D $DIR stop -m fast" >/dev/null 2>&1 || true
  exit 0
fi
if [ -z "$BIN" ]; then
  if [ "$(id -u)" != 0 ]; then echo "PostgreSQL is not installed and we are not root to install it" >&2; exit 1; fi
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1
  BIN=$(find_bin)
fi
if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  rm -rf "$DIR"
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
  as_owner "$BIN/initdb -D $DIR -U postgres -A trust -E UTF8 --no-locale" >/dev/null
  as_owner "$BIN/pg_ctl -D $DIR -l $DIR/server.log -w -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' start" >/dev/null
fi
"$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='matcher_test'" \
  | grep -q 1 || "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres matcher_test
echo "$URL"
