# shellcheck shell=bash
# Local PostgreSQL 15 clusters: control, eu, us, cn, sg, each with its own data
# directory and port, so that stopping one region is a real fault. Sourced by
# setup.sh and scripts/pg-cluster.
#
# Layout of the data root (TW_PG_ROOT):
#   <name>/          data directory of cluster <name>
#   log/<name>.log   its server log (pg_ctl -l)
#   sock/            unix sockets of all five clusters
#   REPO             the checkout that owns this root (root runs only)
#
# As root, PostgreSQL must run as the `postgres` user, which may not be able to
# enter the checkout (e.g. under a 0700 home). The data root is then
# /var/lib/tradewind-dev/<12 hex of sha256(repo path)>/, linked as .tradewind/pg.
# As a normal user, the data root is .tradewind/pg itself and the clusters run as
# that user.

# shellcheck source=scripts/lib/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=scripts/lib/apt.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/apt.sh"

TRADEWIND_PG_CLUSTERS=(control eu us cn sg)
# shellcheck disable=SC2034 # used by config.sh and the callers
TRADEWIND_PG_REGIONS=(eu us cn sg)
TRADEWIND_PG_PORT_BASE="${TRADEWIND_PG_PORT_BASE:-55430}"
TRADEWIND_DEV_ROOT=/var/lib/tradewind-dev

tw_repo_hash() {
    printf '%s' "$TRADEWIND_REPO" | sha256sum | cut -c1-12
}

if tw_is_root; then
    TW_PG_OS_USER=postgres
    TW_PG_ROOT="$TRADEWIND_DEV_ROOT/$(tw_repo_hash)"
else
    TW_PG_OS_USER="$(id -un)"
    TW_PG_ROOT="$TRADEWIND_STATE/pg"
fi
# A unix socket path is limited to 107 bytes; a deep checkout can exceed that
# (non-root case), so fall back to a short per-checkout directory under /tmp.
TW_PG_SOCKDIR="$TW_PG_ROOT/sock"
if [[ $((${#TW_PG_SOCKDIR} + 20)) -gt 100 ]]; then
    TW_PG_SOCKDIR="/tmp/tradewind-$(id -u)-$(tw_repo_hash)"
fi
export TW_PG_ROOT TW_PG_SOCKDIR

tw_pg_check_name() {
    local n
    for n in "${TRADEWIND_PG_CLUSTERS[@]}"; do
        [[ "$1" == "$n" ]] && return 0
    done
    tw_die "unknown cluster '$1' (expected one of: ${TRADEWIND_PG_CLUSTERS[*]})"
}

tw_pg_port() {
    local i
    for i in "${!TRADEWIND_PG_CLUSTERS[@]}"; do
        if [[ "${TRADEWIND_PG_CLUSTERS[$i]}" == "$1" ]]; then
            printf '%s\n' $((TRADEWIND_PG_PORT_BASE + i))
            return 0
        fi
    done
    tw_die "unknown cluster '$1'"
}

tw_pg_datadir() { printf '%s\n' "$TW_PG_ROOT/$1"; }

# The port the cluster is configured with (its tradewind.conf), which is what
# matters to start/stop/status even when TRADEWIND_PG_PORT_BASE differs now.
tw_pg_configured_port() {
    local port
    port="$(sed -n -E 's/^port = ([0-9]+)$/\1/p' "$(tw_pg_datadir "$1")/tradewind.conf" 2>/dev/null | tail -n 1)"
    if [[ -n "$port" ]]; then
        printf '%s\n' "$port"
    else
        tw_pg_port "$1"
    fi
}
tw_pg_logfile() { printf '%s\n' "$TW_PG_ROOT/log/$1.log"; }

# Run a command as the clusters' OS user. From / so that an unreadable current
# directory (a 0700 home) does not make initdb or psql complain.
tw_pg_run() {
    if tw_is_root; then
        local home
        home="$(getent passwd postgres | cut -d: -f6)"
        (cd / && runuser -u postgres -- env HOME="${home:-/}" "$@")
    else
        "$@"
    fi
}

tw_pg_ctl() {
    local bindir
    bindir="$(tw_pg_bindir)"
    tw_pg_run "$bindir/pg_ctl" "$@"
}

tw_pg_running() {
    tw_pg_ctl -D "$(tw_pg_datadir "$1")" status >/dev/null 2>&1
}

# Create the data root, its log/ and sock/ directories and the .tradewind/pg link.
tw_pg_prepare_root() {
    tw_ensure_state_dir
    if tw_is_root; then
        id postgres >/dev/null 2>&1 || tw_die "no 'postgres' user: is the postgresql package installed?"
        install -d -m 0755 -o root -g root "$TRADEWIND_DEV_ROOT"
        install -d -m 0700 -o postgres -g postgres "$TW_PG_ROOT" "$TW_PG_ROOT/log" "$TW_PG_SOCKDIR"
        # Lets a later run tell which data roots belong to checkouts that are gone.
        printf '%s\n' "$TRADEWIND_REPO" >"$TW_PG_ROOT/REPO"
        if [[ -L "$TRADEWIND_STATE/pg" ]]; then
            if [[ "$(readlink "$TRADEWIND_STATE/pg")" != "$TW_PG_ROOT" ]]; then
                ln -sfn "$TW_PG_ROOT" "$TRADEWIND_STATE/pg"
            fi
        elif [[ -e "$TRADEWIND_STATE/pg" ]]; then
            tw_die "$TRADEWIND_STATE/pg is a directory from a non-root run; run as that user, or stop those clusters and remove it"
        else
            ln -s "$TW_PG_ROOT" "$TRADEWIND_STATE/pg"
        fi
    else
        if [[ -L "$TRADEWIND_STATE/pg" ]]; then
            tw_die "$TRADEWIND_STATE/pg links to clusters owned by postgres ($(readlink "$TRADEWIND_STATE/pg")); run as root, or remove the link"
        fi
        mkdir -p "$TW_PG_ROOT/log" "$TW_PG_SOCKDIR"
        chmod 0700 "$TW_PG_ROOT" "$TW_PG_ROOT/log" "$TW_PG_SOCKDIR"
    fi
}

# Root only: stop and delete data roots of checkouts that no longer exist (or no
# longer link to them). Fresh CI clones each get a new root; without this their
# clusters would pile up on disk and keep holding the ports. Set
# TRADEWIND_PG_PRUNE=0 to keep them.
tw_pg_prune_orphans() {
    tw_is_root || return 0
    [[ "${TRADEWIND_PG_PRUNE:-1}" == 1 ]] || return 0
    [[ -d "$TRADEWIND_DEV_ROOT" ]] || return 0
    local dir repo name bindir
    bindir="$(tw_pg_bindir)"
    for dir in "$TRADEWIND_DEV_ROOT"/*; do
        [[ -d "$dir" && "$dir" != "$TW_PG_ROOT" ]] || continue
        # Only directories this script made: 12 hex digits and a REPO file.
        [[ "$(basename -- "$dir")" =~ ^[0-9a-f]{12}$ && -f "$dir/REPO" ]] || continue
        repo="$(head -n 1 "$dir/REPO")"
        if [[ -n "$repo" && -L "$repo/.tradewind/pg" && "$(readlink "$repo/.tradewind/pg")" == "$dir" ]]; then
            continue
        fi
        tw_log "removing clusters of a checkout that is gone ($repo): $dir"
        for name in "${TRADEWIND_PG_CLUSTERS[@]}"; do
            if [[ -f "$dir/$name/postmaster.pid" ]]; then
                tw_pg_run "$bindir/pg_ctl" -D "$dir/$name" -m fast -w -s stop || true
            fi
        done
        rm -rf -- "$dir"
    done
}

# Data directory of a tradewind-dev cluster (any checkout) that holds PORT, if any.
tw_pg_port_holder() {
    local port="$1" pidfile
    for pidfile in "$TRADEWIND_DEV_ROOT"/*/*/postmaster.pid "$TW_PG_ROOT"/*/postmaster.pid; do
        [[ -f "$pidfile" ]] || continue
        # Line 4 of postmaster.pid is the port.
        if [[ "$(sed -n 4p "$pidfile" 2>/dev/null)" == "$port" ]]; then
            dirname -- "$pidfile"
            return 0
        fi
    done
    return 1
}

tw_pg_init() {
    local name="$1" dir bindir
    dir="$(tw_pg_datadir "$name")"
    if [[ -f "$dir/PG_VERSION" ]]; then
        [[ "$(cat "$dir/PG_VERSION")" == 15 ]] || tw_die "$dir is not a PostgreSQL 15 cluster"
        return 0
    fi
    bindir="$(tw_pg_bindir)"
    tw_log "initdb cluster '$name' in $dir"
    local args=(-D "$dir" --auth-local=peer --auth-host=scram-sha-256 -E UTF8)
    # initdb removes what it created when it fails, so a retry starts clean.
    if ! tw_pg_run "$bindir/initdb" "${args[@]}" --locale=C.UTF-8 >/dev/null; then
        tw_warn "initdb with --locale=C.UTF-8 failed; retrying with --no-locale"
        tw_pg_run "$bindir/initdb" "${args[@]}" --no-locale >/dev/null
    fi
}

# Install SRC as DST (owned by the clusters' OS user) when the content differs.
# Returns 0 when the file changed, 1 when it was already up to date.
tw_pg_install_file() {
    local src="$1" dst="$2" mode="$3"
    if [[ -f "$dst" ]] && cmp -s "$src" "$dst"; then
        return 1
    fi
    if tw_is_root; then
        install -m "$mode" -o postgres -g postgres "$src" "$dst"
    else
        install -m "$mode" "$src" "$dst"
    fi
    return 0
}

# Write the cluster's settings, pg_hba.conf and TLS files. Sets TW_PG_ACTION to
# "restart" (port, memory, listen address changed), "reload" (pg_hba or TLS
# files changed) or "none".
tw_pg_configure() {
    local name="$1" dir port conf
    dir="$(tw_pg_datadir "$name")"
    port="$(tw_pg_port "$name")"
    TW_PG_ACTION=none

    conf="$(mktemp)"
    {
        cat "$TRADEWIND_REPO/deploy/postgres/tradewind.conf"
        printf '\n# Per cluster, written by scripts/lib/pg.sh.\n'
        printf "cluster_name = 'tradewind-%s'\n" "$name"
        printf 'port = %s\n' "$port"
        printf "unix_socket_directories = '%s'\n" "$TW_PG_SOCKDIR"
    } >"$conf"
    if tw_pg_install_file "$conf" "$dir/tradewind.conf" 0600; then
        TW_PG_ACTION=restart
    fi
    rm -f "$conf"
    # Included last, so these settings win over initdb's defaults above them.
    if ! grep -qxF "include 'tradewind.conf'" "$dir/postgresql.conf"; then
        printf "\n# Tradewind (scripts/lib/pg.sh)\ninclude 'tradewind.conf'\n" |
            tw_pg_run tee -a "$dir/postgresql.conf" >/dev/null
        TW_PG_ACTION=restart
    fi

    local reload=0
    tw_pg_install_file "$TRADEWIND_REPO/deploy/postgres/pg_hba.conf" "$dir/pg_hba.conf" 0600 && reload=1
    tw_pg_install_file "$TRADEWIND_STATE/certs/postgres.pem" "$dir/server.crt" 0644 && reload=1
    tw_pg_install_file "$TRADEWIND_STATE/certs/postgres.key" "$dir/server.key" 0600 && reload=1
    tw_pg_install_file "$TRADEWIND_STATE/ca/ca.pem" "$dir/root.crt" 0644 && reload=1
    if [[ $reload -eq 1 && "$TW_PG_ACTION" == none ]]; then
        TW_PG_ACTION=reload
    fi
}

# Start cluster NAME unless it is running. Fails with the log tail.
tw_pg_start() {
    local name="$1" dir log port holder
    dir="$(tw_pg_datadir "$name")"
    log="$(tw_pg_logfile "$name")"
    port="$(tw_pg_configured_port "$name")"
    [[ -f "$dir/PG_VERSION" ]] || tw_die "cluster '$name' is not initialised ($dir): run scripts/run or scripts/test first"
    if tw_pg_running "$name"; then
        return 0
    fi
    if holder="$(tw_pg_port_holder "$port")" && [[ "$holder" != "$dir" ]]; then
        tw_die "port $port is held by another Tradewind cluster ($holder): stop it (its checkout's scripts/run --stop) or set TRADEWIND_PG_PORT_BASE"
    fi
    tw_log "starting cluster '$name' on port $port"
    # In a subshell with every inherited descriptor above stderr closed: a cluster restarted by a
    # test process would otherwise keep that process's database connections open after it exits,
    # and a transaction it left half-done would hold its locks (seen: a migration in
    # break-promises waiting on the wake index for 7 minutes).
    if ! (
        for fd in /proc/"$BASHPID"/fd/*; do
            fd="${fd##*/}"
            if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then eval "exec ${fd}>&-" 2>/dev/null || true; fi
        done
        tw_pg_ctl -D "$dir" -l "$log" -w -t 60 -s start
    ); then
        tail -n 20 "$log" >&2 || true
        tw_die "cluster '$name' did not start (log: $log)"
    fi
}

tw_pg_stop() {
    local name="$1" dir
    dir="$(tw_pg_datadir "$name")"
    [[ -f "$dir/PG_VERSION" ]] || return 0
    if tw_pg_running "$name"; then
        tw_log "stopping cluster '$name'"
        tw_pg_ctl -D "$dir" -m fast -w -t 60 -s stop
    fi
}

tw_pg_status() {
    local name="$1" dir
    dir="$(tw_pg_datadir "$name")"
    [[ -f "$dir/PG_VERSION" ]] || {
        echo "cluster '$name': not initialised ($dir)"
        return 4
    }
    if tw_pg_running "$name"; then
        echo "cluster '$name': running on port $(tw_pg_configured_port "$name") ($dir)"
    else
        echo "cluster '$name': stopped ($dir)"
        return 3
    fi
}

# psql as the cluster's superuser over the unix socket (peer authentication).
tw_pg_psql() {
    local name="$1" bindir
    shift
    bindir="$(tw_pg_bindir)"
    tw_pg_run "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$TW_PG_SOCKDIR" -p "$(tw_pg_port "$name")" \
        -U "$TW_PG_OS_USER" -d postgres "$@"
}

# Initialise, configure and start (or restart/reload) all five clusters.
tradewind_clusters() {
    local name dir
    tw_pg_prepare_root
    tw_pg_prune_orphans
    for name in "${TRADEWIND_PG_CLUSTERS[@]}"; do
        tw_pg_init "$name"
        tw_pg_configure "$name"
        dir="$(tw_pg_datadir "$name")"
        if tw_pg_running "$name"; then
            case "$TW_PG_ACTION" in
                restart)
                    tw_log "restarting cluster '$name' (settings changed)"
                    tw_pg_ctl -D "$dir" -l "$(tw_pg_logfile "$name")" -m fast -w -t 60 -s restart
                    ;;
                reload)
                    tw_log "reloading cluster '$name' (pg_hba or TLS files changed)"
                    tw_pg_ctl -D "$dir" -s reload
                    ;;
            esac
        else
            tw_pg_start "$name"
        fi
    done
}

# Run the bootstrap SQL on every cluster. Passwords travel as psql variables on
# stdin (\set), so they never show in `ps`; the SQL comes on stdin too because the
# postgres user may not be able to read the checkout.
tradewind_bootstrap_sql() {
    local name sql
    for name in "${TRADEWIND_PG_CLUSTERS[@]}"; do
        if [[ "$name" == control ]]; then
            sql="$TRADEWIND_REPO/deploy/postgres/bootstrap-control.sql"
        else
            sql="$TRADEWIND_REPO/deploy/postgres/bootstrap-regional.sql"
        fi
        {
            printf "\\\\set migrator_password '%s'\n" "$TRADEWIND_MIGRATOR_PASSWORD"
            printf "\\\\set app_password '%s'\n" "$TRADEWIND_APP_PASSWORD"
            printf "\\\\set control_password '%s'\n" "$TRADEWIND_CONTROL_PASSWORD"
            cat "$sql"
        } | tw_pg_psql "$name" -f - || tw_die "bootstrap SQL failed on cluster '$name'"
    done
    tw_log "bootstrap SQL applied on: ${TRADEWIND_PG_CLUSTERS[*]}"
}

tradewind_pg_stop_all() {
    local name
    for name in "${TRADEWIND_PG_CLUSTERS[@]}"; do
        tw_pg_stop "$name"
    done
}
