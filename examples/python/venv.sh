# shellcheck shell=bash
# The Python examples' virtualenv and stubs. Sourced by examples/python/run and
# examples/python/seed after they set `repo` (the checkout) and `here` (this folder).
#
#   tw_python_env   create (or reuse) .tradewind/venv-python with the pinned
#                   requirements, regenerate the stubs from Protos/ into
#                   examples/python/generated/ (git-ignored), and set `python`
#                   to the venv's interpreter.
#
# Environment: PYTHON  interpreter used to create the venv (default python3).

tw_python_env() {
    local base="${PYTHON:-python3}"
    command -v "$base" >/dev/null 2>&1 || {
        echo "error: $base not found (set PYTHON to a Python 3.9+ interpreter)" >&2
        exit 1
    }

    local venv="$repo/.tradewind/venv-python"
    local requirements="$here/requirements.txt"
    # The venv is reused while the requirements and the interpreter stay the same.
    local stamp_want stamp_file="$venv/.tradewind-requirements.sha256"
    stamp_want="$(
        {
            cat "$requirements"
            "$base" -c 'import sys; print(sys.version)'
        } | sha256sum | cut -d' ' -f1
    )"
    if [[ ! -x "$venv/bin/python" || ! -f "$stamp_file" || "$(cat "$stamp_file")" != "$stamp_want" ]]; then
        echo "==> creating $venv" >&2
        mkdir -p "$repo/.tradewind"
        rm -rf "$venv"
        if ! "$base" -m venv "$venv"; then
            echo "error: '$base -m venv' failed (on Debian: apt-get install python3-venv)" >&2
            exit 1
        fi
        PIP_ROOT_USER_ACTION=ignore "$venv/bin/python" -m pip install \
            --quiet --disable-pip-version-check --no-input -r "$requirements"
        printf '%s\n' "$stamp_want" >"$stamp_file"
    fi

    # Regenerate the stubs on every run: it takes well under a second and they can
    # never be stale.
    local generated="$here/generated" protos=()
    rm -rf "$generated"
    mkdir -p "$generated"
    mapfile -t protos < <(cd "$repo" && find Protos -name '*.proto' -type f | sort)
    (cd "$repo" && "$venv/bin/python" -m grpc_tools.protoc -I Protos \
        --python_out="$generated" --grpc_python_out="$generated" "${protos[@]}")
    python="$venv/bin/python"
}
