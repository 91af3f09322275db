#!/bin/sh
# pg_cluster.sh - a private PostgreSQL 15 cluster for the test suite, reachable only through a
# Unix socket in its own directory (no TCP port, nothing shared with a system cluster).
#
# usage: tests/pg_cluster.sh start DIR [POSTGRES_OPTION...]
#        tests/pg_cluster.sh stop DIR
#        tests/pg_cluster.sh env DIR      prints CATAT_TEST_PG_HOST=... CATAT_TEST_PG_USER=...
#
# start creates DIR (it must not exist yet, or be empty), runs initdb into DIR/data
# (--no-locale -E UTF8 --auth=trust) as an unprivileged user, and starts the server with pg_ctl
# listening only on the socket DIR/.s.PGSQL.5432 (listen_addresses='', -k DIR). Extra arguments
# are passed to postgres as they are (e.g. -c fsync=off). The superuser role is named after the
# user who owns the cluster. stop stops the server (fast shutdown) and removes DIR.
#
# As root the cluster belongs to the system user catat-test (created with useradd when missing:
# PostgreSQL refuses to run as root); otherwise to the current user.
# PG_BINDIR overrides where initdb and pg_ctl are (default /usr/lib/postgresql/15/bin, else
# whatever pg_config --bindir says).
set -eu

usage() { echo "usage: $0 start|stop|env DIR [POSTGRES_OPTION...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
dir=$2
shift 2

bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
if [ ! -x "$bindir/initdb" ] && command -v pg_config >/dev/null 2>&1; then
    bindir=$(pg_config --bindir)
fi
if [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "pg_cluster: no initdb/pg_ctl in $bindir: install postgresql (deploy/install-deps.sh)" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    owner=catat-test
    if ! id "$owner" >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
            --user-group "$owner"
    fi
    # runuser keeps the environment small; PG refuses to start as root, so it is needed.
    as_owner() { runuser -u "$owner" -- "$@"; }
else
    owner=$(id -un)
    as_owner() { "$@"; }
fi

# The socket's path must fit in sun_path (107 bytes) with "/.s.PGSQL.5432" after it.
case $dir in
/*) ;;
*) dir=$(pwd)/$dir ;;
esac

pg_ctl_of() { as_owner "$bindir/pg_ctl" -D "$dir/data" "$@"; }

case $action in
start)
    if [ ${#dir} -gt 90 ]; then
        echo "pg_cluster: $dir is too long a path for a Unix socket" >&2
        exit 1
    fi
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
        echo "pg_cluster: $dir exists and is not empty" >&2
        exit 1
    fi
    mkdir -p "$dir"
    chmod 700 "$dir"
    [ "$(id -u)" -ne 0 ] || chown "$owner:" "$dir"
    if ! as_owner "$bindir/initdb" -D "$dir/data" --no-locale -E UTF8 --auth=trust \
        -U "$owner" >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        echo "pg_cluster: initdb failed" >&2
        exit 1
    fi
    # Options for postgres, as one string for pg_ctl -o; each is quoted for the shell pg_ctl
    # runs postgres through.
    opts="-c listen_addresses='' -k '$dir'"
    for o in "$@"; do
        opts="$opts '$o'"
    done
    if ! pg_ctl_of -o "$opts" -l "$dir/server.log" -w -t 60 start >/dev/null; then
        cat "$dir/server.log" >&2 || true
        echo "pg_cluster: the server did not start" >&2
        exit 1
    fi
    echo "pg_cluster: PostgreSQL running on $dir/.s.PGSQL.5432 (user $owner)"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        pg_ctl_of -m fast -w -t 60 stop >/dev/null || pg_ctl_of -m immediate -w stop >/dev/null
    fi
    # Only what start made is removed: a mistaken DIR loses nothing else.
    [ ! -f "$dir/data/PG_VERSION" ] || rm -rf "$dir/data"
    rm -f "$dir/initdb.log" "$dir/server.log"
    rmdir "$dir"
    ;;
env)
    echo "CATAT_TEST_PG_HOST=$dir"
    echo "CATAT_TEST_PG_USER=$owner"
    ;;
*) usage ;;
esac
