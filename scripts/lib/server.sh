# shellcheck shell=bash
# Start and stop the local gRPC server in the background. Sourced by scripts/run
# and scripts/test.
#
#   tradewind_start_server   start `tradewind serve` unless a healthy one is up;
#                            wait up to 30 s for `tradewind health`
#   tradewind_stop_server    SIGTERM (graceful), wait; after 35 s SIGKILL and fail
#   tradewind_server_pid     print the pid of our running server, if any

# shellcheck source=scripts/lib/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

TRADEWIND_SERVER_LOG="$TRADEWIND_STATE/server.log"
TRADEWIND_SERVER_PIDFILE="$TRADEWIND_STATE/server.pid"
TRADEWIND_SERVER_START_TIMEOUT="${TRADEWIND_SERVER_START_TIMEOUT:-30}"

# True when PID is a live process. A child we have not reaped yet is a zombie,
# for which `kill -0` still succeeds, so look at its state too.
tw_pid_alive() {
    local pid="$1" stat
    kill -0 "$pid" 2>/dev/null || return 1
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [[ "${stat%% *}" != Z ]]
}

# Print the pid from server.pid if that process is still a `tradewind serve`
# (the pid file may be stale and the number reused by something else).
tradewind_server_pid() {
    local pid arg prev=""
    [[ -s "$TRADEWIND_SERVER_PIDFILE" ]] || return 1
    pid="$(head -n 1 "$TRADEWIND_SERVER_PIDFILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    tw_pid_alive "$pid" || return 1
    # Look for ".../tradewind serve" among the arguments (argv[0] is an
    # interpreter when the binary is a wrapper script).
    while IFS= read -r -d '' arg; do
        if [[ "$(basename -- "$prev")" == tradewind && "$arg" == serve ]]; then
            printf '%s\n' "$pid"
            return 0
        fi
        prev="$arg"
    done <"/proc/$pid/cmdline" 2>/dev/null
    return 1
}

# 0 healthy, 1 not (yet) healthy; dies when the binary has no `health` command.
tw_server_health() {
    local rc=0
    "$TRADEWIND_BIN" health --config "$TRADEWIND_CONFIG" >/dev/null 2>&1 || rc=$?
    if [[ $rc -eq 64 ]]; then
        tw_die "'tradewind health' was rejected as a usage error (exit 64): this build of $TRADEWIND_BIN probably lacks the health command yet"
    fi
    return "$rc"
}

tradewind_start_server() {
    tw_require_bin
    [[ -f "$TRADEWIND_CONFIG" ]] || tw_die "no $TRADEWIND_CONFIG: run tradewind_setup first"
    local pid
    if pid="$(tradewind_server_pid)"; then
        if tw_server_health; then
            tw_log "server already running (pid $pid)"
            return 0
        fi
        tw_warn "server pid $pid is not healthy: restarting it"
        tradewind_stop_server || true
    fi
    tw_ensure_state_dir
    # Keep the previous log for a post-mortem.
    if [[ -f "$TRADEWIND_SERVER_LOG" ]]; then
        mv -f "$TRADEWIND_SERVER_LOG" "$TRADEWIND_SERVER_LOG.1"
    fi
    tw_log "starting tradewind serve (log: $TRADEWIND_SERVER_LOG)"
    # Background jobs of a non-interactive shell ignore SIGINT, so Ctrl-C in a
    # terminal does not kill the server behind our back: callers stop it with
    # tradewind_stop_server (SIGTERM, graceful).
    (cd "$TRADEWIND_REPO" && exec "$TRADEWIND_BIN" serve --config "$TRADEWIND_CONFIG") \
        >"$TRADEWIND_SERVER_LOG" 2>&1 </dev/null &
    pid=$!
    printf '%s\n' "$pid" >"$TRADEWIND_SERVER_PIDFILE"

    local deadline=$((SECONDS + TRADEWIND_SERVER_START_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! tw_pid_alive "$pid"; then
            wait "$pid" 2>/dev/null || true
            rm -f "$TRADEWIND_SERVER_PIDFILE"
            tail -n 30 "$TRADEWIND_SERVER_LOG" >&2 || true
            tw_die "tradewind serve exited during start-up (log: $TRADEWIND_SERVER_LOG)"
        fi
        if tw_server_health; then
            tw_log "server healthy (pid $pid)"
            return 0
        fi
        sleep 0.5
    done
    tail -n 30 "$TRADEWIND_SERVER_LOG" >&2 || true
    tradewind_stop_server || true
    tw_die "tradewind serve not healthy after ${TRADEWIND_SERVER_START_TIMEOUT}s (log: $TRADEWIND_SERVER_LOG)"
}

tradewind_stop_server() {
    local pid
    if ! pid="$(tradewind_server_pid)"; then
        rm -f "$TRADEWIND_SERVER_PIDFILE"
        return 0
    fi
    tw_log "stopping server (pid $pid, SIGTERM)"
    kill -TERM "$pid" 2>/dev/null || true
    # The server drains in-flight calls; give it a little more than its own 30 s.
    local deadline=$((SECONDS + 35))
    while tw_pid_alive "$pid" && ((SECONDS < deadline)); do
        sleep 0.2
    done
    local ignored=0
    if tw_pid_alive "$pid"; then
        # A server that does not stop on SIGTERM breaks the graceful-shutdown promise: kill it so
        # nothing is left running, but fail, so that scripts/test (and CI) fail with it.
        tw_warn "server pid $pid ignored SIGTERM for 35 s: sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        ignored=1
    fi
    # Reap it when it is our child (no-op otherwise).
    wait "$pid" 2>/dev/null || true
    rm -f "$TRADEWIND_SERVER_PIDFILE"
    if [[ $ignored -eq 1 ]]; then
        printf 'error: %s\n' "the server did not shut down gracefully on SIGTERM (see $TRADEWIND_SERVER_LOG)" >&2
        return 1
    fi
}
