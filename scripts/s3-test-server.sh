#!/bin/sh
# A moto S3 server on loopback for trying S3 remotes by hand or in CI.
#
#   scripts/s3-test-server.sh install        # pip install 'moto[server]' if moto_server is missing
#   scripts/s3-test-server.sh start [PORT]   # default 5000; prints the endpoint
#   scripts/s3-test-server.sh stop [PORT]
#
# The Swift tests (Tests/MLVRemoteTests) start their own servers on free ports and do not
# need this script, only moto_server on PATH. Set INITIAL_NO_AUTH_ACTION_COUNT=0 before
# `start` to make moto reject unknown access keys, as real S3 does.
set -eu

command=${1:-}
port=${2:-5000}
state_dir=${TMPDIR:-/tmp}
pid_file="$state_dir/mlv-moto-$port.pid"
log_file="$state_dir/mlv-moto-$port.log"

case "$command" in
install)
  if command -v moto_server >/dev/null 2>&1; then
    echo "moto_server already installed: $(command -v moto_server)"
  else
    python3 -m pip install --quiet 'moto[server]'
  fi
  ;;
start)
  if ! command -v moto_server >/dev/null 2>&1; then
    echo "moto_server not found; run: $0 install" >&2
    exit 1
  fi
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "already running on port $port (pid $(cat "$pid_file"))" >&2
    exit 1
  fi
  moto_server -H 127.0.0.1 -p "$port" >"$log_file" 2>&1 &
  echo $! >"$pid_file"
  # Wait until it answers (moto takes a few seconds to import).
  tries=0
  until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 300 ] || ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      echo "moto_server did not start; log: $log_file" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "http://127.0.0.1:$port"
  ;;
stop)
  if [ -f "$pid_file" ]; then
    kill -9 "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file"
  fi
  ;;
*)
  echo "usage: $0 install | start [PORT] | stop [PORT]" >&2
  exit 2
  ;;
esac
