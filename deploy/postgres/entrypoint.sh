#!/bin/sh
# Entrypoint of deploy/postgres/Dockerfile: on the first start (empty PGDATA)
# create the cluster with the role and database the aggregators use, the
# password read from POSTGRES_PASSWORD_FILE (the same variables as the
# official postgres image); then run the server in the foreground, listening
# on every interface with scram-sha-256 password authentication.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_PORT:=5432}"

die() { echo "propwatch-postgres: $*" >&2; exit 78; }

case "$POSTGRES_USER$POSTGRES_DB" in
  *[!a-z0-9_]*) die "POSTGRES_USER and POSTGRES_DB must be lower-case identifiers ([a-z0-9_])" ;;
esac

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD_FILE:-}" ] || die "POSTGRES_PASSWORD_FILE is not set (a file holding the password)"
  [ -r "$POSTGRES_PASSWORD_FILE" ] || die "cannot read POSTGRES_PASSWORD_FILE ($POSTGRES_PASSWORD_FILE)"
  [ -s "$POSTGRES_PASSWORD_FILE" ] || die "POSTGRES_PASSWORD_FILE ($POSTGRES_PASSWORD_FILE) is empty"
  # initdb reads the superuser's password from a file: one line, no trailing newline issues.
  pwfile=$(mktemp)
  trap 'rm -f "$pwfile"' EXIT
  head -n 1 "$POSTGRES_PASSWORD_FILE" | tr -d '\r\n' > "$pwfile"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 \
    --auth-local=peer --auth-host=scram-sha-256 --no-instructions >/dev/null
  rm -f "$pwfile"
  # Every TCP client (the aggregators on the compose network) needs the password.
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "host all all ::/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != "postgres" ]; then
    postgres --single -D "$PGDATA" -c port="$POSTGRES_PORT" postgres >/dev/null <<SQL
CREATE DATABASE $POSTGRES_DB OWNER $POSTGRES_USER;
SQL
  fi
  echo "propwatch-postgres: cluster created in $PGDATA (role $POSTGRES_USER, database $POSTGRES_DB)"
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' -c port="$POSTGRES_PORT" "$@"
