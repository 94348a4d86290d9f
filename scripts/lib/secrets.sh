# shellcheck shell=bash
# Database passwords and the cursor key in .tradewind/secrets.env (mode 0600).
# Generated once and reused, so a running server, open psql sessions and the
# clusters' stored SCRAM verifiers stay in step. Sourced by setup.sh.

# shellcheck source=scripts/lib/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

TRADEWIND_SECRETS="$TRADEWIND_STATE/secrets.env"

# Read KEY from secrets.env without sourcing it (the file is data, not code).
tw_secret_get() {
    local key="$1" line
    [[ -f "$TRADEWIND_SECRETS" ]] || return 1
    while IFS= read -r line || [[ -n "$line" ]]; do
        if [[ "$line" == "$key="* ]]; then
            printf '%s\n' "${line#"$key="}"
            return 0
        fi
    done <"$TRADEWIND_SECRETS"
    return 1
}

# Ensure every secret exists; only missing ones are generated, existing ones are kept.
# Sets (not exported: child processes read config.yaml instead of inheriting secrets)
#   TRADEWIND_MIGRATOR_PASSWORD TRADEWIND_APP_PASSWORD TRADEWIND_CONTROL_PASSWORD CURSOR_KEY
tradewind_secrets() {
    tw_ensure_state_dir
    local key value changed=0 content=""
    local -A values=()
    for key in TRADEWIND_MIGRATOR_PASSWORD TRADEWIND_APP_PASSWORD TRADEWIND_CONTROL_PASSWORD CURSOR_KEY; do
        if ! value="$(tw_secret_get "$key")" || [[ -z "$value" ]]; then
            if [[ "$key" == CURSOR_KEY ]]; then
                value="$(openssl rand -base64 32)"
            else
                # Hex: safe unquoted in YAML, psql variables and connection strings.
                value="$(openssl rand -hex 24)"
            fi
            changed=1
        fi
        values[$key]="$value"
        content+="$key=$value"$'\n'
    done
    if [[ $changed -eq 1 ]]; then
        tw_log "writing new secrets to $TRADEWIND_SECRETS"
        printf '# Tradewind local secrets: generated once, reused by scripts/run and scripts/test.\n%s' \
            "$content" | tw_write_private "$TRADEWIND_SECRETS"
    fi
    chmod 0600 "$TRADEWIND_SECRETS"
    TRADEWIND_MIGRATOR_PASSWORD="${values[TRADEWIND_MIGRATOR_PASSWORD]}"
    TRADEWIND_APP_PASSWORD="${values[TRADEWIND_APP_PASSWORD]}"
    TRADEWIND_CONTROL_PASSWORD="${values[TRADEWIND_CONTROL_PASSWORD]}"
    CURSOR_KEY="${values[CURSOR_KEY]}"
}
