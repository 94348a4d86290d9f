# shellcheck shell=bash
# Owner API keys for every tenant manifest, for local clients (examples/python,
# grpcurl, ...). Sourced by scripts/run and scripts/test.
#
#   tradewind_mint_dev_keys   write .tradewind/dev-keys.json (mode 0600):
#     {"server": "127.0.0.1:7443", "ca": "/abs/.tradewind/ca/ca.pem",
#      "tenants": {"<slug>": {"tenant_id", "tenant_slug", "region", "key_id",
#                             "role": "owner", "api_key": "tw_..."}}}
#
# Keys go through the running server (`keys create` calls TenantAdmin with the
# operator key), so they are audited: start the server first. Tenants already in
# the file keep their key; only tenants missing from it (a new manifest) get one.

# shellcheck source=scripts/lib/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

TRADEWIND_DEV_KEYS="$TRADEWIND_STATE/dev-keys.json"

# The value of the top-level `slug:` line of a tenant manifest.
tw_manifest_slug() {
    sed -n -E 's/^slug:[[:space:]]*["'\'']?([A-Za-z0-9_.-]+)["'\'']?[[:space:]]*(#.*)?$/\1/p' "$1" | head -n 1
}

tradewind_mint_dev_keys() {
    tw_require_bin
    local operator_key_file="$TRADEWIND_STATE/operator-key"
    [[ -s "$operator_key_file" ]] || tw_die "no $operator_key_file: run tradewind_setup first"
    local manifests=()
    mapfile -t manifests < <(compgen -G "$TRADEWIND_REPO/tenants/*.yaml" | sort)
    if [[ ${#manifests[@]} -eq 0 ]]; then
        tw_warn "no tenant manifests in tenants/: no dev keys minted"
        return 0
    fi

    local host port
    host="$(sed -n -E 's/^  host:[[:space:]]*([^[:space:]#]+).*/\1/p' "$TRADEWIND_CONFIG" | head -n 1)"
    port="$(sed -n -E 's/^  port:[[:space:]]*([0-9]+).*/\1/p' "$TRADEWIND_CONFIG" | head -n 1)"

    local work manifest slug have=()
    if [[ -f "$TRADEWIND_DEV_KEYS" ]]; then
        mapfile -t have < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1])).get("tenants", {})))' "$TRADEWIND_DEV_KEYS")
    fi
    work="$(mktemp -d)"
    chmod 0700 "$work"
    for manifest in "${manifests[@]}"; do
        slug="$(tw_manifest_slug "$manifest")"
        if [[ -z "$slug" ]]; then
            rm -rf "$work"
            tw_die "no 'slug:' line in $manifest"
        fi
        if [[ " ${have[*]} " == *" $slug "* ]]; then
            continue
        fi
        tw_log "minting an owner key for tenant '$slug'"
        if ! tw_bin keys create --config "$TRADEWIND_CONFIG" --operator-key-file "$operator_key_file" \
            --tenant "$slug" --role owner --label dev --json >"$work/$slug.json"; then
            rm -rf "$work"
            tw_die "tradewind keys create failed for tenant '$slug'"
        fi
    done
    local minted="new keys minted"
    compgen -G "$work/*.json" >/dev/null || minted="all tenants already have one"

    # Merge the new objects into the file, and refresh the server address and CA
    # (scripts/test and scripts/run may serve on different ports): python3 for
    # correct JSON, written to a 0600 temp file and renamed, so a failure leaves
    # the old file as it was.
    if ! python3 - "$TRADEWIND_DEV_KEYS" "$work" "$host:$port" "$TRADEWIND_STATE/ca/ca.pem" <<'EOF'; then
import json, os, sys

path, work, server, ca = sys.argv[1:5]
doc = {"server": server, "ca": ca, "tenants": {}}
if os.path.exists(path):
    with open(path) as f:
        doc["tenants"] = json.load(f).get("tenants", {})
for name in sorted(os.listdir(work)):
    slug = name[: -len(".json")]
    with open(os.path.join(work, name)) as f:
        lines = f.read().strip().splitlines()
    try:
        obj = json.loads(lines[-1])
    except (json.JSONDecodeError, IndexError):
        sys.exit(f"'keys create' printed no JSON object for tenant {slug}")
    if not str(obj.get("api_key", "")).startswith("tw_"):
        sys.exit(f"'keys create' output for tenant {slug} has no api_key")
    doc["tenants"][slug] = obj
tmp = path + ".new"
fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
os.chmod(tmp, 0o600)
os.replace(tmp, path)
EOF
        rm -rf "$work"
        tw_die "could not assemble $TRADEWIND_DEV_KEYS"
    fi
    rm -rf "$work"
    tw_log "dev keys: $TRADEWIND_DEV_KEYS ($minted)"
}
