#!/usr/bin/env bash
# The PostgreSQL cluster wangge owns when DATABASE_URL is not set.
# Usage: localdb.sh start|stop|status|url. Listens on 127.0.0.1 only, port $WANGGE_PGPORT (54329).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
port=${WANGGE_PGPORT:-54329}
bindir=/usr/lib/postgresql/15/bin
dbname=wangge
# The cluster's superuser only installs the extensions and makes the app's role; the app,
# the migrations and the tests connect as $owner, who owns the database but is no superuser.
superuser=postgres
owner=wangge

# PostgreSQL refuses to run as root: as root, the cluster belongs to the 'postgres' user.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Keep the cluster inside the checkout when its owner can reach it, else under /var/tmp.
pgdata="$root/.wangge/pgdata"
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$root" 2>/dev/null; then
    pgdata="/var/tmp/wangge-$(echo -n "$root" | md5sum | cut -c1-12)/pgdata"
fi
logfile="$(dirname "$pgdata")/postgres.log"

url() { echo "postgresql://$owner@127.0.0.1:$port/$dbname"; }

start() {
    mkdir -p "$(dirname "$pgdata")"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$(dirname "$pgdata")"; fi
    if [ ! -s "$pgdata/PG_VERSION" ]; then
        as_owner "$bindir/initdb" -D "$pgdata" -U "$superuser" --auth=trust -E UTF8 \
            --locale=C.UTF-8 >/dev/null
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
        if ! as_owner "$bindir/pg_ctl" -D "$pgdata" -l "$logfile" -w -t 60 \
            -o "-p $port -k '$pgdata' -c listen_addresses=127.0.0.1" start >/dev/null; then
            echo "PostgreSQL did not start; the end of $logfile says:" >&2
            tail -n 5 "$logfile" >&2
            echo "(if port $port is taken, set WANGGE_PGPORT or DATABASE_URL)" >&2
            exit 1
        fi
    fi
    local psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$superuser")
    if ! "${psql[@]}" -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
        echo "The cluster in $pgdata has no superuser '$superuser' (it predates database roles):" >&2
        echo "run 'make clean' once to make a new one." >&2
        exit 1
    fi
    if [ -z "$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$owner'")" ]; then
        "${psql[@]}" -d postgres -c "CREATE ROLE $owner LOGIN CREATEDB CREATEROLE"
    fi
    # Extensions need a superuser: in template1, every database made later (the tests') has them.
    PGOPTIONS="-c client_min_messages=warning" "${psql[@]}" -d template1 \
        -c "CREATE EXTENSION IF NOT EXISTS postgis" -c "CREATE EXTENSION IF NOT EXISTS pgrouting"
    if [ -z "$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$dbname'")" ]; then
        "${psql[@]}" -d postgres -c "CREATE DATABASE $dbname OWNER $owner"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) as_owner "$bindir/pg_ctl" -D "$pgdata" -m fast stop ;;
    status) as_owner "$bindir/pg_ctl" -D "$pgdata" status ;;
    url) url ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
