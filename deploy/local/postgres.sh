#!/usr/bin/env bash
# A local PostgreSQL on 127.0.0.1 with a database `seqaudit` that user postgres reaches over TCP without a
# password. Usage: postgres.sh start|status
source "$(dirname "$0")/lib.sh"

PORT=$SEQAUDIT_PG_PORT
CLUSTER=${SEQAUDIT_PG_CLUSTER:-main} # Debian cluster name
DB=seqaudit

ready() { pg_isready -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; }
# -w: never prompt for a password, fail instead.
psql_tcp() { psql -h 127.0.0.1 -p "$PORT" -U postgres -w -v ON_ERROR_STOP=1 -Atq "$@"; }

# Newest installed server version (the client package alone also creates /usr/lib/postgresql/<ver>).
server_version() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1) || true
  [[ -n $bin ]] && basename "$(dirname "$(dirname "$bin")")"
}

# Version of the Debian cluster, created if the install made none.
cluster_version() {
  local ver
  ver=$(server_version) || die "no PostgreSQL server in /usr/lib/postgresql/*/bin"
  if [[ ! -d /etc/postgresql/$ver/$CLUSTER ]]; then
    log "creating PostgreSQL $ver cluster $CLUSTER on port $PORT"
    as_root pg_createcluster --port "$PORT" "$ver" "$CLUSTER" >&2
  fi
  echo "$ver"
}

start() {
  local ver=
  if ready; then
    log "PostgreSQL already answers on 127.0.0.1:$PORT"
  else
    { command -v pg_ctlcluster && command -v psql && server_version; } >/dev/null || apt_install postgresql
    if ! ready; then # the package starts the cluster only where it can (it cannot without systemd)
      ver=$(cluster_version)
      log "starting PostgreSQL $ver cluster $CLUSTER"
      # --skip-systemctl-redirect: start it directly, also where systemd does not run.
      as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$CLUSTER" start >&2 ||
        die_with_log "/var/log/postgresql/postgresql-$ver-$CLUSTER.log" "PostgreSQL did not start"
      wait_for 30 "PostgreSQL on 127.0.0.1:$PORT" ready ||
        die_with_log "/var/log/postgresql/postgresql-$ver-$CLUSTER.log" "PostgreSQL does not answer on 127.0.0.1:$PORT"
    fi
  fi
  if ! psql_tcp -c 'select 1' >/dev/null 2>&1; then
    # A fresh Debian install asks for a password over TCP. This is a local test server only: let local TCP
    # connections in without one (first matching line of pg_hba.conf wins, hence at the top).
    ver=${ver:-$(cluster_version)}
    local hba=/etc/postgresql/$ver/$CLUSTER/pg_hba.conf
    [[ -f $hba ]] || die "user postgres cannot connect to 127.0.0.1:$PORT and there is no $hba to fix that"
    log "allowing passwordless TCP access from 127.0.0.1 in $hba"
    as_root grep -q '# seqaudit: local test server' "$hba" ||
      as_root sed -i '1i host all all 127.0.0.1/32 trust # seqaudit: local test server only' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$CLUSTER" reload >&2
    wait_for 10 "passwordless access to PostgreSQL" psql_tcp -c 'select 1' >/dev/null 2>&1 ||
      die "user postgres still cannot connect to 127.0.0.1:$PORT without a password"
  fi
  if [[ $(psql_tcp -c "select 1 from pg_database where datname = '$DB'") != 1 ]]; then
    log "creating database $DB"
    psql_tcp -c "create database $DB"
  fi
  log "PostgreSQL answers on 127.0.0.1:$PORT, database $DB, user postgres, no password"
}

case "${1:-}" in
  start) start ;;
  status) if ready; then log "PostgreSQL answers on 127.0.0.1:$PORT"; else log "no PostgreSQL answers on 127.0.0.1:$PORT"; exit 1; fi ;;
  *) die "usage: $0 start|status" ;;
esac
