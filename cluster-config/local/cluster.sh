#!/usr/bin/env bash
# A three-node ActorRelay cluster on one machine: one PostgreSQL journal (started here from Debian's postgresql
# package unless ACTORRELAY_PG names one) and three gateway processes on 127.0.0.1 configured by node{1,2,3}.env.
#
#   cluster-config/local/cluster.sh start    # build if needed, start PostgreSQL and the nodes, wait until all are Up
#   cluster-config/local/cluster.sh status   # GET /admin/cluster of node 1
#   cluster-config/local/cluster.sh stop     # SIGTERM every node (graceful leave), then stop PostgreSQL
#
# Overrides (used by the test that exercises this script): ACTORRELAY_PG (a PostgreSQL connection string),
# ACTORRELAY_HTTP_PORTS / ACTORRELAY_AKKA_PORTS ("p1 p2 p3"), ACTORRELAY_GATEWAY_DLL, ACTORRELAY_CLUSTER_DIR (state).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=${ACTORRELAY_CLUSTER_DIR:-/tmp/actorrelay-local-cluster}
admin_key=${ACTORRELAY_ADMIN_KEY:-local-admin-key}
pg_port=${ACTORRELAY_PG_PORT:-55433}
mkdir -p "$state"

# Node n's setting: the env file's value, unless the overrides replace it.
node_env() {
  local n=$1
  grep -Ev '^\s*(#|$)' "$here/node$n.env"
  echo "ActorRelay__Access__AdminKey=$admin_key"
  if [ -n "${ACTORRELAY_PG:-}" ]; then echo "ActorRelay__Akka__Journal__ConnectionString=$ACTORRELAY_PG"; fi
  if [ -n "${ACTORRELAY_HTTP_PORTS:-}" ]; then
    local http=($ACTORRELAY_HTTP_PORTS) akka=($ACTORRELAY_AKKA_PORTS)
    echo "Urls=http://127.0.0.1:${http[$((n-1))]}"
    echo "ActorRelay__Akka__Remote__Port=${akka[$((n-1))]}"
    echo "ActorRelay__Akka__Cluster__SeedNodes__0=akka.tcp://actorrelay@127.0.0.1:${akka[0]}"
    echo "ActorRelay__Akka__Cluster__SeedNodes__1=akka.tcp://actorrelay@127.0.0.1:${akka[1]}"
  fi
}

http_url() { node_env "$1" | grep '^Urls=' | tail -n 1 | cut -d= -f2-; }

start_postgres() {
  [ -n "${ACTORRELAY_PG:-}" ] && return
  local bin data="$state/pg"
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { echo "PostgreSQL not found: apt-get install -y postgresql" >&2; exit 1; }
  local as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
    "${as[@]}" "$bin/initdb" -D "$data" --auth=trust -U postgres >/dev/null
  fi
  "${as[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $data" -w start >/dev/null
  "${as[@]}" "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='actorrelay'" | grep -q 1 ||
    "${as[@]}" "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE ROLE actorrelay LOGIN PASSWORD 'actorrelay'"
  "${as[@]}" "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='actorrelay'" | grep -q 1 ||
    "${as[@]}" "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE actorrelay OWNER actorrelay"
}

stop_postgres() {
  [ -n "${ACTORRELAY_PG:-}" ] && return
  [ -f "$state/pg/postmaster.pid" ] || return 0
  local bin as=()
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$bin/pg_ctl" -D "$state/pg" -m fast stop >/dev/null
}

gateway_dll() {
  local dll=${ACTORRELAY_GATEWAY_DLL:-$root/src/ActorRelay.Gateway/bin/Release/net10.0/ActorRelay.Gateway.dll}
  if [ ! -f "$dll" ]; then
    dotnet build "$root/src/ActorRelay.Gateway" -c Release -v q >&2
  fi
  echo "$dll"
}

members_up() {
  curl -s "$(http_url 1)/admin/cluster" -H "authorization: Bearer $admin_key" | grep -o '"status":"up"' | wc -l
}

start() {
  start_postgres
  local dll began
  dll=$(gateway_dll)
  began=$(date +%s.%N)
  for n in 1 2 3; do
    ( cd "$(dirname "$dll")" && exec env MALLOC_ARENA_MAX=2 $(node_env "$n" | tr '\n' ' ') dotnet "$dll" >"$state/node$n.log" 2>&1 ) &
    echo $! >"$state/node$n.pid"
  done
  for _ in $(seq 1 600); do
    if [ "$(members_up 2>/dev/null || echo 0)" -ge 3 ]; then
      printf 'three nodes up after %.1f s\n' "$(echo "$(date +%s.%N) - $began" | bc)"
      return 0
    fi
    sleep 0.2
  done
  echo "the cluster did not form within 120 s; logs in $state" >&2
  exit 1
}

stop() {
  for n in 1 2 3; do
    [ -f "$state/node$n.pid" ] && kill -TERM "$(cat "$state/node$n.pid")" 2>/dev/null || true
  done
  for n in 1 2 3; do
    if [ -f "$state/node$n.pid" ]; then
      local pid; pid=$(cat "$state/node$n.pid")
      for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      rm -f "$state/node$n.pid"
    fi
  done
  stop_postgres
  echo "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) curl -s "$(http_url 1)/admin/cluster" -H "authorization: Bearer $admin_key"; echo ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
