#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests.
#
#   scripts/pg.sh start DIR   initdb + start a fresh cluster for DIR on a free
#                             127.0.0.1 port; prints exactly one line on stdout:
#                             postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/pg.sh url DIR     print the URL of the running cluster for DIR
#   scripts/pg.sh stop DIR    stop it (fast mode) and remove DIR (no-op if absent)
#
# Layout: DIR/cluster holds the path of the "cluster root" (data dir at
# <root>/data, server log at <root>/postgres.log, unix socket in <root>), and
# DIR/port the TCP port. The root is DIR itself, unless we run as root and the
# `postgres` user cannot reach DIR (e.g. parent dirs not traversable) or the
# socket path would be too long: then it is a mktemp dir under /tmp.
# initdb refuses to run as root, so as root the server runs as `postgres`.
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }
usage() { die "usage: $0 {start|stop|url} DIR"; }

[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2
[[ -n "$dir" ]] || usage
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac

# shellcheck disable=SC2012 # fixed, well-known paths
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[[ -n "$pgbin" && -x "$pgbin/pg_ctl" ]] ||
  die "PostgreSQL server binaries not found under /usr/lib/postgresql (run scripts/install-deps.sh)"

if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user"
  as_pg() { (cd / && runuser -u postgres -- "$@"); }
  as_root=1
else
  as_pg() { "$@"; }
  as_root=0
fi

url_for() { echo "postgres://postgres@127.0.0.1:$1/postgres"; }

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null && return 0
  fi
  # Fallback: probe random high ports until nothing answers.
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# Reads DIR/cluster into $root (empty if none).
read_root() {
  root=""
  if [[ -f "$dir/cluster" ]]; then
    root=$(<"$dir/cluster")
  fi
}

is_running() { [[ -n "$root" && -d "$root/data" ]] && as_pg "$pgbin/pg_ctl" -D "$root/data" status >/dev/null 2>&1; }

do_stop() {
  read_root
  if is_running; then
    as_pg "$pgbin/pg_ctl" -D "$root/data" -m fast -w stop >/dev/null 2>&1 ||
      echo "pg.sh: warning: pg_ctl stop failed for $root/data" >&2
  fi
  if [[ -n "$root" && "$root" != "$dir" && "$root" == /tmp/* && -d "$root" ]]; then
    rm -rf -- "$root"
  fi
  rm -rf -- "$dir"
}

do_start() {
  if [[ -e "$dir/cluster" ]]; then
    die "$dir already holds a cluster; run '$0 stop $2' first"
  fi
  mkdir -p -- "$dir"

  # Decide where the cluster lives. Max unix socket path is 107 bytes.
  local tmp_reason="" sock_suffix="/.s.PGSQL.65535"
  root=$dir
  if (( ${#dir} + ${#sock_suffix} > 100 )); then
    tmp_reason="path too long for a unix socket"
  elif (( as_root )); then
    chown postgres: -- "$dir"
    if ! runuser -u postgres -- test -x "$dir" -a -w "$dir"; then
      tmp_reason="postgres user cannot reach $dir"
    fi
  fi
  if [[ -n "$tmp_reason" ]]; then
    root=$(mktemp -d /tmp/agentline-pg.XXXXXXXX)
    (( as_root )) && chown postgres: -- "$root"
  fi
  echo "$root" >"$dir/cluster"

  local log="$root/postgres.log"
  if ! as_pg "$pgbin/initdb" -D "$root/data" -A trust -U postgres --no-sync \
      -E UTF8 --locale=C >"$root/initdb.log" 2>&1; then
    cat "$root/initdb.log" >&2
    do_stop
    die "initdb failed"
  fi

  local port
  for _ in 1 2 3 4 5; do
    port=$(free_port) || { do_stop; die "could not find a free port"; }
    if as_pg "$pgbin/pg_ctl" -D "$root/data" -w -t 60 -l "$log" \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$root -c fsync=off -c max_connections=300" \
        start >/dev/null 2>&1; then
      echo "$port" >"$dir/port"
      url_for "$port"
      return 0
    fi
    # Retry only if we lost a race for the port.
    if ! grep -q -e 'could not bind' -e 'Address already in use' "$log" 2>/dev/null; then
      break
    fi
    echo "pg.sh: port $port taken, retrying" >&2
  done
  echo "pg.sh: PostgreSQL failed to start; server log ($log):" >&2
  cat "$log" >&2 2>/dev/null || true
  do_stop
  exit 1
}

case "$cmd" in
  start) do_start "$@" ;;
  stop) do_stop ;;
  url)
    read_root
    if [[ ! -f "$dir/port" ]] || ! is_running; then
      die "no running cluster for $dir"
    fi
    url_for "$(<"$dir/port")"
    ;;
  *) usage ;;
esac
