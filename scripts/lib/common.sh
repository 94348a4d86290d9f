# shellcheck shell=bash
# Shared helpers for the Tradewind shell scripts. Sourced, never executed.
#
# Sets (if not already set by the caller):
#   TRADEWIND_REPO       absolute path of the repository root
#   TRADEWIND_STATE      $TRADEWIND_REPO/.tradewind (git-ignored local state)
#   TRADEWIND_BUILD_DIR  SwiftPM scratch path, default $TRADEWIND_REPO/.build
#   TRADEWIND_CONFIG     $TRADEWIND_STATE/config.yaml

# Guard against double sourcing: the libs source each other.
if [[ -n "${_TRADEWIND_COMMON_SH:-}" ]]; then
    return 0
fi
_TRADEWIND_COMMON_SH=1

# The repo root is two levels above this file (scripts/lib/common.sh); resolve it
# physically so the hash of the path (used for the root-owned data dir) is stable.
# Always derived, never taken from the environment: scripts/test exports
# TRADEWIND_REPO to the tests, and a stale value must not point at another checkout.
TRADEWIND_REPO="$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)"
TRADEWIND_STATE="$TRADEWIND_REPO/.tradewind"
TRADEWIND_BUILD_DIR="${TRADEWIND_BUILD_DIR:-$TRADEWIND_REPO/.build}"
TRADEWIND_CONFIG="$TRADEWIND_STATE/config.yaml"
export TRADEWIND_REPO TRADEWIND_STATE TRADEWIND_BUILD_DIR TRADEWIND_CONFIG

tw_log() {
    printf '==> %s\n' "$*" >&2
}

tw_warn() {
    printf 'warning: %s\n' "$*" >&2
}

tw_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

tw_is_root() {
    [[ "$(id -u)" -eq 0 ]]
}

# Run a command with root privileges: directly when we are root, via sudo otherwise.
tw_as_root() {
    if tw_is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        tw_die "need root for: $* (install sudo or run as root)"
    fi
}

# Create the git-ignored state directory; private because it holds keys and passwords.
tw_ensure_state_dir() {
    mkdir -p "$TRADEWIND_STATE"
    chmod 0700 "$TRADEWIND_STATE"
}

# Write stdin to FILE with mode 0600 atomically (temp file + rename), so a reader
# never sees a half-written file and the content is never world-readable, even briefly.
tw_write_private() {
    local file="$1" tmp
    tmp="$(mktemp "$(dirname -- "$file")/.tmp.XXXXXX")"
    chmod 0600 "$tmp"
    if ! cat >"$tmp"; then
        rm -f "$tmp"
        return 1
    fi
    mv -f "$tmp" "$file"
}

# Fail with a clear message when TRADEWIND_BIN is not usable.
tw_require_bin() {
    if [[ -z "${TRADEWIND_BIN:-}" || ! -x "$TRADEWIND_BIN" ]]; then
        tw_die "TRADEWIND_BIN is not set or not executable ('${TRADEWIND_BIN:-}'); run tradewind_setup (scripts/run) first"
    fi
}

# Run "$TRADEWIND_BIN" ARGS... and explain a usage error. ArgumentParser exits 64
# (EX_USAGE) for an unknown subcommand or option, which here almost always means the
# binary was built before that command existed.
tw_bin() {
    tw_require_bin
    local rc=0
    "$TRADEWIND_BIN" "$@" || rc=$?
    if [[ $rc -eq 64 ]]; then
        tw_warn "'tradewind $*' was rejected as a usage error (exit 64): this build of $TRADEWIND_BIN probably lacks that command or option yet"
    fi
    return "$rc"
}
