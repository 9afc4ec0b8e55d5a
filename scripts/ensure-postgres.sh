#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries are installed; Sud Pro starts its own private cluster from them.
# Installs them with apt on Debian/Ubuntu; elsewhere says what to install.
set -euo pipefail

have_server() {
  command -v pg_ctl >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null 2>&1
}

if have_server; then
  exit 0
fi
if [ -n "${DATABASE_URL:-}" ]; then
  exit 0 # an existing server is configured; no local binaries needed
fi

if command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL server binaries not found: installing them with apt-get (Debian/Ubuntu)…" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
  # Optional and cheap once the lists are fresh: the PgBouncer test runs when it is installed, skips otherwise.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq pgbouncer >/dev/null 2>&1 || true
  have_server && exit 0
fi

cat >&2 <<'MSG'
PostgreSQL server binaries (pg_ctl, initdb, postgres) were not found.
Install PostgreSQL 15 or later, then run the command again:
  Debian/Ubuntu: sudo apt-get install postgresql
  Fedora/RHEL:   sudo dnf install postgresql-server
  macOS:         brew install postgresql
Or set DATABASE_URL to an existing PostgreSQL database.
MSG
exit 1
