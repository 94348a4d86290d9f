# Sourced by the benchmarks that compare with Python libraries: makes (once) and
# names the virtualenv holding them, .tradewind/venv-bench.
venv="$repo/.tradewind/venv-bench"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import ChannelAttribution, mlxtend, pandas' 2>/dev/null; then
    echo "==> creating $venv (channelattribution, mlxtend, pandas from PyPI)" >&2
    rm -rf "$venv"
    "${PYTHON:-python3}" -m venv "$venv"
    PIP_ROOT_USER_ACTION=ignore "$venv/bin/python" -m pip install -q channelattribution mlxtend pandas
fi
