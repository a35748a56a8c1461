#!/usr/bin/env bash
# The services the tests use, started when installed and not running (idempotent, installs
# nothing; .ci/run apt-installs the packages first):
#   - cupsd with the cups-pdf queue "PDF" that tests/test_printers.py prints to (~/PDF), and the
#     queue "HELD" that holds every job;
#   - PostgreSQL (Debian's cluster, created if there is none) with role `warehouse` (password
#     `warehouse`) and database `warehouse_test`, the central store's second backend in tests/central/.
# Run it as root on a box without an init system (CI, containers); elsewhere start the services
# your usual way and this script only checks them.
set -euo pipefail

PG_ROLE=warehouse
PG_PASSWORD=warehouse
PG_DB=warehouse_test

say() { echo "== services: $*"; }

start_cups() {
  command -v cupsd >/dev/null || { say "cupsd not installed (CUPS tests will skip)"; return 0; }
  cups_up() { LC_ALL=C lpstat -r 2>/dev/null | grep -qx 'scheduler is running'; }
  if ! cups_up; then
    say "starting cupsd"
    cupsd
    for _ in $(seq 50); do cups_up && break; sleep 0.1; done
  fi
  if ! lpstat -p PDF >/dev/null 2>&1; then
    local models driver
    models=$(lpinfo -m 2>/dev/null || true)
    driver=$(awk '/CUPS-PDF_opt/ {print $1; exit}' <<<"$models")
    [ -n "$driver" ] || driver=$(awk 'tolower($0) ~ /cups-pdf/ {print $1; exit}' <<<"$models")
    if [ -z "$driver" ]; then
      say "no cups-pdf driver installed: queue PDF not added"
      return 0
    fi
    say "adding the cups-pdf queue PDF"
    lpadmin -p PDF -E -v cups-pdf:/ -m "$driver"
  fi
  # HELD holds every job (as a printer waiting for a person would): the check that a label is
  # done only when CUPS says `completed` is tested on it.
  if ! lpstat -p HELD >/dev/null 2>&1 && lpstat -p PDF >/dev/null 2>&1; then
    say "adding the queue HELD (cups-pdf, every job held)"
    lpadmin -p HELD -E -v cups-pdf:/ -m "$(awk '/CUPS-PDF_opt/ {print $1; exit}' <<<"$(lpinfo -m 2>/dev/null)")" \
      -o job-hold-until-default=indefinite 2>/dev/null
  fi
}

as_postgres() {
  if command -v runuser >/dev/null && [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  elif [ "$(id -un)" = postgres ]; then
    "$@"
  else
    sudo -n -u postgres -- "$@"
  fi
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p "${PG_PORT:-5432}"; }
# The test database already answers as the tests will connect: nothing to do (no root needed).
pg_usable() {
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p "${PG_PORT:-5432}" \
    -U "$PG_ROLE" -d "$PG_DB" -qtAX -c 'SELECT 1' >/dev/null 2>&1
}

start_postgres() {
  if ! command -v pg_lsclusters >/dev/null; then
    say "PostgreSQL not installed (apt-get install postgresql); the PostgreSQL tests will fail"
    return 0
  fi
  if pg_usable; then
    say "PostgreSQL up: postgresql://$PG_ROLE:$PG_PASSWORD@127.0.0.1:${PG_PORT:-5432}/$PG_DB"
    return 0
  fi
  local cluster
  cluster=$(pg_lsclusters -h | awk 'NR == 1 {print $1 " " $2 " " $3 " " $4}')
  if [ -z "$cluster" ]; then
    local version
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    say "creating PostgreSQL cluster $version/main"
    pg_createcluster "$version" main >/dev/null
    cluster=$(pg_lsclusters -h | awk 'NR == 1 {print $1 " " $2 " " $3 " " $4}')
  fi
  read -r version name port status <<<"$cluster"
  PG_PORT=$port
  if [ "$status" != online ]; then
    say "starting PostgreSQL $version/$name on port $port"
    pg_ctlcluster "$version" "$name" start
  fi
  for _ in $(seq 100); do pg_ready && break; sleep 0.1; done
  pg_ready || { say "PostgreSQL $version/$name did not come up"; return 1; }
  local psql=(psql -p "$port" -v ON_ERROR_STOP=1 -qtAX)
  if [ "$(as_postgres "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")" != 1 ]; then
    say "creating role $PG_ROLE"
    as_postgres "${psql[@]}" -c "CREATE ROLE $PG_ROLE LOGIN PASSWORD '$PG_PASSWORD'"
  fi
  if [ "$(as_postgres "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
    say "creating database $PG_DB"
    as_postgres "${psql[@]}" -c "CREATE DATABASE $PG_DB OWNER $PG_ROLE"
  fi
  say "PostgreSQL up: postgresql://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$port/$PG_DB"
}

# A service that cannot be started is reported, not fatal: its tests then fail with the reason.
start_cups || say "cupsd could not be started"
start_postgres || say "PostgreSQL could not be started (see the messages above)"
