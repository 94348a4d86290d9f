# shellcheck shell=bash
# The example tenants' history, seeded once per state directory. Sourced by scripts/run.
#
#   tradewind_seed_examples   unless .tradewind/seeded exists, run examples/python/seed
#                             against the running server and sandbox, and write the marker
#                             when it completed
#
# A seed that fails or is interrupted leaves no marker: the next scripts/run runs it again, and
# it completes what is missing (it finds contacts, accounts, campaigns, segments and events it
# made before instead of making them twice).

# shellcheck source=scripts/lib/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

TRADEWIND_SEED_MARKER="$TRADEWIND_STATE/seeded"

tradewind_seed_examples() {
    if [[ -f "$TRADEWIND_SEED_MARKER" ]]; then
        tw_log "example tenants seeded on $(head -n 1 "$TRADEWIND_SEED_MARKER") (rm $TRADEWIND_SEED_MARKER to seed again)"
        return 0
    fi
    tw_log "seeding the example tenants with 90 days of history (examples/python/seed)"
    if ! TRADEWIND_DEV_KEYS="$TRADEWIND_DEV_KEYS" \
        TRADEWIND_SANDBOX_URL="https://127.0.0.1:$TRADEWIND_SANDBOX_PORT" \
        "$TRADEWIND_REPO/examples/python/seed"; then
        tw_warn "seeding failed: the server runs with what was stored; the next scripts/run completes the seed"
        return 0
    fi
    date -u +%Y-%m-%dT%H:%M:%SZ >"$TRADEWIND_SEED_MARKER"
}
