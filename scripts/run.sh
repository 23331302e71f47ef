#!/usr/bin/env bash
# `make run`: the web server with one job worker (and its scheduler) beside it; Ctrl-C stops both.
#
# The embedded Redis is started by the first process that opens it and stopped when that
# process exits. So the worker starts once the web server is up, joining its Redis, and on the
# way out the worker stops first, then the web server.
set -u
set -m  # each background process in its own process group: Ctrl-C reaches only this script
bin="${BIN:-.venv/bin}"
host="${HOST:-127.0.0.1}"
port="${PORT:-5000}"
worker=

stop() {
  trap - EXIT
  # a second Ctrl-C stops a job the worker is still running at once (RQ's cold shutdown)
  trap 'kill -TERM "$worker" 2>/dev/null' INT TERM
  if [ -n "$worker" ]; then
    kill -TERM "$worker" 2>/dev/null
    while kill -0 "$worker" 2>/dev/null; do wait "$worker"; done
  fi
  trap '' INT TERM
  # the web server exits through its exit hooks on SIGTERM (one stops the embedded Redis)
  kill -TERM "$web" 2>/dev/null
  wait "$web"
}

"$bin/flask" run --host "$host" --port "$port" &
web=$!
trap stop INT TERM EXIT
until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
  kill -0 "$web" 2>/dev/null || exit 1
  sleep 0.2
done
"$bin/flask" jobs worker &
worker=$!
wait "$web"
