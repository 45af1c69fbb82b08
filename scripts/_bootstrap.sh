# Sourced by scripts/demo and scripts/test: make a venv with the project installed.
# Uses the machine's python3 (3.11+) and pip only: nothing but the package registries is reached.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${ONCALL_VENV:-$repo_root/.venv}"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    # apt-get update only when something is missing, so a ready machine starts fast.
    echo "installing Debian packages: $*" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_python() {
    if ! command -v python3 >/dev/null; then apt_install python3; fi
    python3 - <<'PY' || { echo "oncall-tui needs Python 3.11 or newer" >&2; exit 2; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
}

ensure_venv() {
    local extras="$1" stamp
    ensure_python
    if [ ! -x "$venv/bin/python" ]; then
        if ! python3 -m venv "$venv" 2>/dev/null; then
            # Debian splits venv/ensurepip into python3-venv.
            rm -rf "$venv"
            apt_install python3-venv
            python3 -m venv "$venv"
        fi
    fi
    # Reinstall only when the dependency list changed.
    stamp="$venv/.oncall-installed-$extras"
    if [ ! -f "$stamp" ] || [ "$repo_root/pyproject.toml" -nt "$stamp" ]; then
        "$venv/bin/python" -m pip install -q --disable-pip-version-check -U pip >&2
        "$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$repo_root$extras" >&2
        touch "$stamp"
    fi
}
