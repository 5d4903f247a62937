#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests and for trying the app: `scripts/pg.sh start` creates a cluster in a
# temporary directory, starts it on a local port (and a socket in that directory) and prints its URL;
# `scripts/pg.sh stop` stops it and deletes the directory. Debian's postgresql package provides the binaries.
# PG_TEST_DIR (default /tmp/tracker-pg) and PG_TEST_PORT (default 55432) choose where.
set -euo pipefail

dir=${PG_TEST_DIR:-/tmp/tracker-pg}
port=${PG_TEST_PORT:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  echo "PostgreSQL is not installed: apt-get install postgresql" >&2
  exit 1
fi

# The server refuses to run as root: run it as postgres (Debian's package creates that account), else nobody.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    local owner=postgres
    id "$owner" >/dev/null 2>&1 || owner=nobody
    chown -R "$owner" "$dir"
    runuser -u "$owner" -- "$@"
  else
    "$@"
  fi
}

# Whether a server of ours answers in $dir: a postmaster.pid alone may be left over from a killed one.
running() {
  [ -f "$dir/data/postmaster.pid" ] && [ -f "$dir/port" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

case "${1:-}" in
  start)
    if running; then
      echo "already running in $dir" >&2
    else
      # A server killed without stopping (a machine restarted, a session ended) leaves its directory behind.
      rm -rf "$dir"
      mkdir -p "$dir"
      # Another server (a developer's, a leftover) may hold the port: take the next free one.
      while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
      echo "$port" >"$dir/port"
      as_owner "$bin/initdb" -D "$dir/data" -U tracker --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
      # Test data only: fsync off makes each CREATE DATABASE per test cheap.
      as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
        "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" \
        start >/dev/null
    fi
    echo "postgresql://tracker@127.0.0.1:$(cat "$dir/port")/postgres"
    ;;
  stop)
    if running; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
