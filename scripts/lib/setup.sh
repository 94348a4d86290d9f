# shellcheck shell=bash
# Everything the local stack needs before the server can start. Sourced by
# scripts/run and scripts/test; each step is idempotent.
#
#   tradewind_setup         all steps below, in order
#   tradewind_setup_infra   only the steps that need no Swift build (packages,
#                           certificates, secrets, clusters, bootstrap SQL, config)
#
# Exports TRADEWIND_BIN (the built `tradewind` executable).
# Environment: TRADEWIND_BUILD_DIR, TRADEWIND_PORT, TRADEWIND_PG_PORT_BASE,
# TRADEWIND_SKIP_BUILD, TRADEWIND_PG_PRUNE (see README).

# shellcheck source=scripts/lib/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=scripts/lib/apt.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/apt.sh"
# shellcheck source=scripts/lib/certs.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/certs.sh"
# shellcheck source=scripts/lib/secrets.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/secrets.sh"
# shellcheck source=scripts/lib/pg.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/pg.sh"
# shellcheck source=scripts/lib/config.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/config.sh"

TRADEWIND_OPERATOR_KEY_FILE="$TRADEWIND_STATE/operator-key"

# swift build of the `tradewind` product into TRADEWIND_BUILD_DIR; exports TRADEWIND_BIN.
# TRADEWIND_SKIP_BUILD=1 with TRADEWIND_BIN set uses that binary as it is (e.g. when
# it was just built by hand, or to exercise the scripts with a stand-in).
tradewind_build() {
    if [[ "${TRADEWIND_SKIP_BUILD:-0}" == 1 ]]; then
        tw_require_bin
        tw_log "TRADEWIND_SKIP_BUILD=1: using $TRADEWIND_BIN without building"
        TRADEWIND_SANDBOX_BIN="${TRADEWIND_SANDBOX_BIN:-$(dirname -- "$TRADEWIND_BIN")/tradewind-sandbox}"
        export TRADEWIND_BIN TRADEWIND_SANDBOX_BIN
        return 0
    fi
    command -v swift >/dev/null 2>&1 || tw_die "swift is not on PATH"
    tw_log "swift build --product tradewind (scratch path $TRADEWIND_BUILD_DIR)"
    (cd "$TRADEWIND_REPO" && swift build --scratch-path "$TRADEWIND_BUILD_DIR" --product tradewind)
    local bin_dir
    bin_dir="$(cd "$TRADEWIND_REPO" && swift build --scratch-path "$TRADEWIND_BUILD_DIR" --show-bin-path)"
    TRADEWIND_BIN="$bin_dir/tradewind"
    [[ -x "$TRADEWIND_BIN" ]] || tw_die "build finished but $TRADEWIND_BIN is missing"
    tw_log "swift build --product tradewind-sandbox"
    (cd "$TRADEWIND_REPO" && swift build --scratch-path "$TRADEWIND_BUILD_DIR" --product tradewind-sandbox)
    TRADEWIND_SANDBOX_BIN="$bin_dir/tradewind-sandbox"
    [[ -x "$TRADEWIND_SANDBOX_BIN" ]] || tw_die "build finished but $TRADEWIND_SANDBOX_BIN is missing"
    export TRADEWIND_BIN TRADEWIND_SANDBOX_BIN
}

tradewind_migrate() {
    tw_log "tradewind migrate"
    tw_bin migrate --config "$TRADEWIND_CONFIG" || tw_die "tradewind migrate failed"
}

tradewind_apply_tenants() {
    if ! compgen -G "$TRADEWIND_REPO/tenants/*.yaml" >/dev/null; then
        tw_warn "no tenant manifests in tenants/: skipping 'tradewind tenants apply'"
        return 0
    fi
    tw_log "tradewind tenants apply tenants/"
    tw_bin tenants apply "$TRADEWIND_REPO/tenants/" --config "$TRADEWIND_CONFIG" ||
        tw_die "tradewind tenants apply failed"
}

# First run only: the first operator credential is written straight into the
# control database by the CLI; every later key goes through the (audited) API.
tradewind_bootstrap_operator() {
    if [[ -s "$TRADEWIND_OPERATOR_KEY_FILE" ]]; then
        return 0
    fi
    tw_log "bootstrapping the operator key into $TRADEWIND_OPERATOR_KEY_FILE"
    local key
    key="$(tw_bin keys bootstrap-operator --config "$TRADEWIND_CONFIG" --label dev-operator)" ||
        tw_die "tradewind keys bootstrap-operator failed"
    # Keep only the key line, in case the command printed anything else on stdout.
    key="$(printf '%s\n' "$key" | grep -E '^tw_[^[:space:]]+$' | tail -n 1 || true)"
    [[ -n "$key" ]] || tw_die "tradewind keys bootstrap-operator printed no 'tw_...' key on stdout"
    printf '%s\n' "$key" | tw_write_private "$TRADEWIND_OPERATOR_KEY_FILE"
}

# First run only: the audit checkpoint signing keyring (Ed25519 + ML-DSA-65, mode
# 0600) and its public keys, which `tradewind audit verify --public-key` reads.
# `tradewind audit keygen --rotate` adds a key later; old checkpoints stay verifiable.
tradewind_audit_keys() {
    local keyring="$TRADEWIND_STATE/audit-signing-keys.json" public="$TRADEWIND_STATE/audit-public-keys.json"
    if [[ ! -s "$keyring" ]]; then
        tw_log "creating the audit signing keyring $keyring"
        tw_bin audit keygen --out "$keyring" --public-out "$public" >/dev/null || tw_die "tradewind audit keygen failed"
    fi
    if [[ ! -s "$public" ]]; then
        tw_bin audit public-keys --keyring "$keyring" >"$public" || tw_die "tradewind audit public-keys failed"
    fi
}

tradewind_setup_infra() {
    tradewind_apt_packages
    tradewind_certs
    tradewind_secrets
    tradewind_clusters
    tradewind_bootstrap_sql
    tradewind_write_config
    tw_log "PostgreSQL clusters ready; config at $TRADEWIND_CONFIG"
}

tradewind_setup() {
    tradewind_apt_packages
    tradewind_build
    tradewind_certs
    tradewind_secrets
    tradewind_clusters
    tradewind_bootstrap_sql
    tradewind_write_config
    tradewind_migrate
    tradewind_audit_keys
    tradewind_apply_tenants
    tradewind_bootstrap_operator
}
