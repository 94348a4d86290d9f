# shellcheck shell=bash
# Debian packages the local stack needs. Sourced by setup.sh.

# shellcheck source=scripts/lib/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

# libprotobuf-dev is listed explicitly: it ships google/protobuf/*.proto, which
# protobuf-compiler only Recommends (so --no-install-recommends would lose it).
TRADEWIND_APT_PACKAGES=(
    postgresql
    postgresql-contrib
    protobuf-compiler
    libprotobuf-dev
    nghttp2-client
    openssl
    curl
    python3-venv
    python3-pip
)

tw_pkg_installed() {
    local status
    status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]]
}

# Install whatever is missing; a no-op (and no network) when everything is present.
tradewind_apt_packages() {
    local missing=() pkg
    for pkg in "${TRADEWIND_APT_PACKAGES[@]}"; do
        tw_pkg_installed "$pkg" || missing+=("$pkg")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi
    tw_log "installing Debian packages: ${missing[*]}"
    # noninteractive: CI has no stdin, and postgresql-common asks nothing we care about.
    tw_as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    tw_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
    for pkg in "${missing[@]}"; do
        tw_pkg_installed "$pkg" || tw_die "package $pkg is still not installed"
    done
}

# Directory holding initdb, pg_ctl, postgres. Debian's /usr/bin/pg_config reports
# the newest installed server; we need 15 exactly (the data format is per major).
tw_pg_bindir() {
    local dir
    if [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then
        dir=/usr/lib/postgresql/15/bin
    elif command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir)"
    else
        tw_die "PostgreSQL 15 server binaries not found (is postgresql-15 installed?)"
    fi
    [[ -x "$dir/pg_ctl" && -x "$dir/initdb" ]] || tw_die "no pg_ctl/initdb in $dir"
    printf '%s\n' "$dir"
}
