# shellcheck shell=bash
# Development PKI under .tradewind/: a dev CA, server/PostgreSQL/client leaves, and an
# unrelated "rogue" CA whose client certificate must be refused. Sourced by setup.sh.
#
# Only missing (or unusable) files are created, so keys stay stable across runs and
# anything that pinned a fingerprint keeps working.

# shellcheck source=scripts/lib/common.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"

TRADEWIND_CA_DAYS=3650
# 825 days: the longest lifetime clients that follow the CA/Browser rules accept.
TRADEWIND_LEAF_DAYS=825
TRADEWIND_SERVER_SAN="DNS:localhost,IP:127.0.0.1,IP:::1"

# New EC P-256 private key (PKCS#8 PEM) at PATH, mode 0600 from the start.
tw_new_ec_key() {
    local key="$1"
    (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" 2>/dev/null)
    chmod 0600 "$key"
}

# tw_new_ca DIR CN: DIR/ca.key + DIR/ca.pem (self-signed, 10 years), if missing.
tw_new_ca() {
    local dir="$1" cn="$2" cnf
    if [[ -s "$dir/ca.pem" && -s "$dir/ca.key" ]]; then
        return 0
    fi
    tw_log "creating CA '$cn' in $dir"
    mkdir -p "$dir"
    chmod 0700 "$dir"
    tw_new_ec_key "$dir/ca.key"
    # A private config, so the system openssl.cnf's default extensions cannot add
    # duplicates or weaken what we ask for.
    cnf="$(mktemp)"
    cat >"$cnf" <<'EOF'
[req]
distinguished_name = dn
x509_extensions = v3_ca
prompt = no
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
    openssl req -new -x509 -config "$cnf" -key "$dir/ca.key" -sha256 \
        -days "$TRADEWIND_CA_DAYS" -subj "/O=Tradewind Dev/CN=$cn" \
        -set_serial "0x$(openssl rand -hex 16)" -out "$dir/ca.pem"
    rm -f "$cnf"
    chmod 0644 "$dir/ca.pem"
}

# True when CERT exists, chains to CA_PEM and is valid for at least 30 more days.
tw_leaf_ok() {
    local cert="$1" key="$2" ca="$3"
    [[ -s "$cert" && -s "$key" ]] || return 1
    openssl verify -CAfile "$ca" "$cert" >/dev/null 2>&1 || return 1
    openssl x509 -in "$cert" -noout -checkend $((30 * 86400)) >/dev/null 2>&1 || return 1
    # The key must belong to the certificate (a half-finished earlier run could leave a new key).
    [[ "$(openssl pkey -in "$key" -pubout 2>/dev/null)" == "$(openssl x509 -in "$cert" -noout -pubkey 2>/dev/null)" ]]
}

# tw_new_leaf CA_DIR OUT_BASE CN EKU [SAN]: OUT_BASE.pem + OUT_BASE.key signed by the
# CA in CA_DIR, unless a valid pair is already there (re-issued when it no longer
# chains to the CA, e.g. after the CA was deleted, or expires within 30 days).
tw_new_leaf() {
    local ca_dir="$1" base="$2" cn="$3" eku="$4" san="${5:-}" ext csr
    if tw_leaf_ok "$base.pem" "$base.key" "$ca_dir/ca.pem"; then
        return 0
    fi
    tw_log "issuing certificate $base.pem (CN=$cn, $eku)"
    mkdir -p "$(dirname -- "$base")"
    chmod 0700 "$(dirname -- "$base")"
    tw_new_ec_key "$base.key"
    ext="$(mktemp)"
    csr="$(mktemp)"
    {
        echo "[leaf]"
        echo "basicConstraints = critical, CA:FALSE"
        echo "keyUsage = critical, digitalSignature"
        echo "extendedKeyUsage = $eku"
        echo "subjectKeyIdentifier = hash"
        echo "authorityKeyIdentifier = keyid, issuer"
        if [[ -n "$san" ]]; then
            echo "subjectAltName = $san"
        fi
    } >"$ext"
    openssl req -new -key "$base.key" -subj "/O=Tradewind Dev/CN=$cn" -out "$csr"
    openssl x509 -req -in "$csr" -CA "$ca_dir/ca.pem" -CAkey "$ca_dir/ca.key" -sha256 \
        -days "$TRADEWIND_LEAF_DAYS" -set_serial "0x$(openssl rand -hex 16)" \
        -extfile "$ext" -extensions leaf -out "$base.pem" 2>/dev/null
    rm -f "$ext" "$csr"
    chmod 0644 "$base.pem"
}

tradewind_certs() {
    tw_ensure_state_dir
    local s="$TRADEWIND_STATE"
    # If the CA is re-created, every leaf below stops verifying and is re-issued.
    tw_new_ca "$s/ca" "Tradewind Dev CA"
    tw_new_leaf "$s/ca" "$s/certs/server" localhost serverAuth "$TRADEWIND_SERVER_SAN"
    tw_new_leaf "$s/ca" "$s/certs/postgres" localhost serverAuth "$TRADEWIND_SERVER_SAN"
    # The ad-channel sandboxes (tradewind-sandbox): connectors reach it as they reach the server.
    tw_new_leaf "$s/ca" "$s/certs/sandbox" localhost serverAuth "$TRADEWIND_SERVER_SAN"
    tw_new_leaf "$s/ca" "$s/certs/client-a" client-a clientAuth
    tw_new_leaf "$s/ca" "$s/certs/client-b" client-b clientAuth
    # Unrelated CA: the server must refuse its client certificate.
    tw_new_ca "$s/rogue" "Tradewind Rogue CA"
    tw_new_leaf "$s/rogue" "$s/rogue/client" rogue-client clientAuth
    # Certificates are public: directories 0755 would be fine, but the keys live beside them.
    chmod 0700 "$s/ca" "$s/certs" "$s/rogue"
}
