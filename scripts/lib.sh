# Shared by scripts/demo and scripts/test (sourced, not run). Needs bash.
# Finds the Python named in .python-version (through pyenv when present), installs uv if it
# is missing, and installs the locked dependencies into .venv.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export UV_PYTHON_DOWNLOADS=never  # use the machine's Python, never a downloaded one
export UV_COMPILE_BYTECODE=1      # compiled once at install: fast start even without .pyc writes
export PYTHONUNBUFFERED=1
VENV="${UV_PROJECT_ENVIRONMENT:-$ROOT/.venv}"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mError: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  say "Installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "$@"
}

# Prints the path of a Python interpreter matching .python-version (e.g. 3.12).
find_python() {
  local want candidates=() candidate root prefix
  want="$(tr -d '[:space:]' < "$ROOT/.python-version")"
  # 1. pythonX.Y on PATH (pyenv's shim picks the version from .python-version).
  if command -v "python$want" >/dev/null 2>&1; then candidates+=("$(command -v "python$want")"); fi
  # 2. pyenv itself: the prefix of the requested version, then every installed X.Y.*.
  if command -v pyenv >/dev/null 2>&1; then
    prefix="$(pyenv prefix "$want" 2>/dev/null | head -n1 || true)"
    [ -n "$prefix" ] && candidates+=("$prefix/bin/python$want")
    root="$(pyenv root 2>/dev/null || true)"
  fi
  root="${root:-${PYENV_ROOT:-$HOME/.pyenv}}"
  for candidate in $(ls -d "$root/versions/$want".* 2>/dev/null | sort -V -r); do
    candidates+=("$candidate/bin/python$want")
  done
  # 3. A system interpreter.
  candidates+=("/usr/local/bin/python$want" "/usr/bin/python$want")
  for candidate in "${candidates[@]}"; do
    # The interpreter's real path (not pyenv's shim), so uv sees the same Python every time.
    if [ -x "$candidate" ] && "$candidate" -c "import sys; sys.exit(0 if sys.version_info[:2] == tuple(map(int, '$want'.split('.'))) else 1)" >/dev/null 2>&1; then
      "$candidate" -c "import sys; print(sys.executable)"
      return 0
    fi
  done
  return 1
}

# Sets PY and UV (a command array) and installs the locked dependencies: install_python_deps [uv sync args]
install_python_deps() {
  PY="$(find_python)" || die "Python $(cat "$ROOT/.python-version") not found. Install it (e.g. 'pyenv install $(cat "$ROOT/.python-version")') and try again."
  say "Python: $PY ($("$PY" --version 2>&1))"
  if "$PY" -m uv --version >/dev/null 2>&1; then
    UV=("$PY" -m uv)
  elif command -v uv >/dev/null 2>&1; then
    UV=("$(command -v uv)")
  else
    say "Installing uv"
    "$PY" -m pip install --quiet uv || "$PY" -m pip install --quiet --user uv
    UV=("$PY" -m uv)
  fi
  say "Installing Python dependencies (uv.lock)"
  "${UV[@]}" sync --locked --python "$PY" "$@"
  VPY="$VENV/bin/python"
  [ -x "$VPY" ] || die "no virtualenv at $VENV after uv sync"
}

install_npm_deps() {
  if [ ! -f "$ROOT/package.json" ]; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20 (with npm) and try again."
  say "Installing browser libraries (npm)"
  if [ -f "$ROOT/package-lock.json" ]; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm install --no-audit --no-fund --loglevel=error
  fi
}

# Compiles translations when a .po file has no .mo next to it or is newer than it.
compile_translations() {
  local po stale=0
  while IFS= read -r po; do
    if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then stale=1; fi
  done < <(find "$ROOT/locale" -name '*.po' 2>/dev/null)
  [ "$stale" -eq 1 ] || return 0
  command -v msgfmt >/dev/null 2>&1 || apt_install gettext
  say "Compiling translations"
  "$VPY" manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
}
