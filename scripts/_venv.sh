# Sourced by the scripts beside it: make .venv with Python 3.11+ and install the project in it.
# Usage: ensure_venv [EXTRAS]   e.g. ensure_venv test

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "minis needs Python 3.11 or newer; none found (set PYTHON=/path/to/python3.11)" >&2
    return 1
}

ensure_venv() {
    local extras="${1:-}" python
    if [ ! -x .venv/bin/python ] \
        || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        python=$(find_python)
        rm -rf .venv
        if ! "$python" -m venv .venv; then
            echo "could not create .venv with $python (on Debian/Ubuntu: apt-get install python3-venv)" >&2
            return 1
        fi
    fi
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
}
