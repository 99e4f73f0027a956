#!/bin/sh
# Put new code in service without refusing or holding a request: for gunicorn started with
# deploy/gunicorn.conf.py (preload_app, where a HUP does not load new code).
#
#   deploy/reload.sh [PIDFILE]     (make reload)
#
# PIDFILE defaults to what deploy/gunicorn.conf.py writes: $WORKSHOP_GUNICORN_PIDFILE, else
# gunicorn.pid in the instance folder ($WORKSHOP_INSTANCE_PATH, else instance/).
#
# 1. USR2: the master starts a new master on the same listening socket; it loads the new code
#    (a few seconds of CPU in one process) while the old workers go on serving. If the new code
#    does not load, the new master exits, the old one keeps serving and this script fails.
# 2. The new master has loaded the app when it writes PIDFILE.2, then forks its workers.
# 3. Once it has as many workers as the old one, TERM to the old master: its workers finish the
#    requests they hold and stop; the new master takes over PIDFILE.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
pidfile=${1:-${WORKSHOP_GUNICORN_PIDFILE:-${WORKSHOP_INSTANCE_PATH:-$root/instance}/gunicorn.pid}}
load_timeout=${WORKSHOP_RELOAD_TIMEOUT:-120}  # seconds for the new master to load the app
graceful_timeout=60  # seconds for the old workers to finish (gunicorn's graceful_timeout + margin)

fail() {
    echo "reload: $*" >&2
    exit 1
}

# Wait until the command in $2 succeeds, polling every 0.1 s for at most $1 seconds.
wait_for() {
    tries=$(($1 * 10))
    while ! eval "$2"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.1
    done
}

[ -s "$pidfile" ] || fail "no pid file $pidfile: is gunicorn running with deploy/gunicorn.conf.py?"
old=$(cat "$pidfile")
kill -0 "$old" 2>/dev/null || fail "gunicorn $old (from $pidfile) is not running"
[ ! -e "$pidfile.2" ] || fail "$pidfile.2 exists: a reload is under way (or its master is stuck)"
before=$(pgrep -P "$old" | sort)
workers=$(printf '%s\n' "$before" | grep -c .)

beforefile=$(mktemp)
trap 'rm -f "$beforefile"' EXIT
printf '%s\n' "$before" >"$beforefile"

kill -USR2 "$old"
# The old master forks the new one at once; if that child is gone before it wrote its pid file,
# the new code failed to load (its error is in gunicorn's log).
seen_new_master=0
loaded() {
    [ -s "$pidfile.2" ] && return 0
    if [ -n "$(pgrep -P "$old" | sort | comm -13 "$beforefile" -)" ]; then
        seen_new_master=1
    elif [ "$seen_new_master" = 1 ]; then
        fail "the new master exited before it was ready: the new code did not load (see the log)"
    fi
    return 1
}
wait_for "$load_timeout" loaded || fail "no new master after ${load_timeout}s; the old one keeps serving"
new=$(cat "$pidfile.2")
wait_for 30 '[ "$(pgrep -P "$new" | grep -c .)" -ge "$workers" ]' ||
    fail "the new master $new did not start $workers workers; both are running"

kill -TERM "$old"
wait_for "$graceful_timeout" '[ "$(cat "$pidfile" 2>/dev/null)" = "$new" ]' ||
    fail "the old master $old has not stopped yet"
echo "reload: gunicorn $new serves the new code (was $old)"
