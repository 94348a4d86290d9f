# shellcheck shell=bash
# Start and stop the ad channels' sandboxes (tradewind-sandbox) in the background. Sourced by
# scripts/run and scripts/test: the server reaches Google Ads, Meta, TikTok and Amazon Ads
# through it in dev and tests (channels.sandboxURL in the config), over TLS with the dev CA.
#
#   tradewind_start_sandbox   start it unless a healthy one is up; wait up to 30 s
#   tradewind_stop_sandbox    SIGTERM, wait; SIGKILL after 10 s
#   tradewind_sandbox_pid     print the pid of our running sandbox, if any

# shellcheck source=scripts/lib/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

TRADEWIND_SANDBOX_PORT="${TRADEWIND_SANDBOX_PORT:-7450}"
TRADEWIND_SANDBOX_LOG="$TRADEWIND_STATE/sandbox.log"
TRADEWIND_SANDBOX_PIDFILE="$TRADEWIND_STATE/sandbox.pid"

tradewind_sandbox_pid() {
    local pid
    [[ -s "$TRADEWIND_SANDBOX_PIDFILE" ]] || return 1
    pid="$(head -n 1 "$TRADEWIND_SANDBOX_PIDFILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'tradewind-sandbox' || return 1
    printf '%s\n' "$pid"
}

tw_sandbox_health() {
    curl --silent --fail --max-time 2 --cacert "$TRADEWIND_STATE/ca/ca.pem" \
        "https://127.0.0.1:$TRADEWIND_SANDBOX_PORT/_sandbox/clock" >/dev/null 2>&1
}

tradewind_start_sandbox() {
    [[ -n "${TRADEWIND_SANDBOX_BIN:-}" && -x "$TRADEWIND_SANDBOX_BIN" ]] ||
        tw_die "TRADEWIND_SANDBOX_BIN is not set: run tradewind_setup first"
    if tradewind_sandbox_pid >/dev/null && tw_sandbox_health; then
        tw_log "channel sandbox already running"
        return 0
    fi
    tradewind_stop_sandbox || true
    [[ -f "$TRADEWIND_SANDBOX_LOG" ]] && mv -f "$TRADEWIND_SANDBOX_LOG" "$TRADEWIND_SANDBOX_LOG.1"
    tw_log "starting tradewind-sandbox on 127.0.0.1:$TRADEWIND_SANDBOX_PORT (log: $TRADEWIND_SANDBOX_LOG)"
    "$TRADEWIND_SANDBOX_BIN" --host 127.0.0.1 --port "$TRADEWIND_SANDBOX_PORT" \
        --certificate "$TRADEWIND_STATE/certs/sandbox.pem" --private-key "$TRADEWIND_STATE/certs/sandbox.key" \
        --state-file "$TRADEWIND_STATE/sandbox-state.json" >"$TRADEWIND_SANDBOX_LOG" 2>&1 </dev/null &
    printf '%s\n' "$!" >"$TRADEWIND_SANDBOX_PIDFILE"
    local deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        if tw_sandbox_health; then
            tw_log "channel sandbox healthy"
            return 0
        fi
        if ! tradewind_sandbox_pid >/dev/null; then
            tail -n 20 "$TRADEWIND_SANDBOX_LOG" >&2 || true
            tw_die "tradewind-sandbox exited during start-up (log: $TRADEWIND_SANDBOX_LOG)"
        fi
        sleep 0.3
    done
    tail -n 20 "$TRADEWIND_SANDBOX_LOG" >&2 || true
    tw_die "tradewind-sandbox not healthy after 30 s (log: $TRADEWIND_SANDBOX_LOG)"
}

tradewind_stop_sandbox() {
    local pid
    pid="$(tradewind_sandbox_pid)" || {
        rm -f "$TRADEWIND_SANDBOX_PIDFILE"
        return 0
    }
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$TRADEWIND_SANDBOX_PIDFILE"
}
