#!/usr/bin/env bash
# Builds the two Python environments from the committed lock files, only when they are missing
# or their lock file changed (a second run with nothing changed takes well under a second).
#   .venv-rasa  Python 3.10: Rasa Open Source 3.6 (Requires-Python <3.11)
#   .venv       Python 3.11: actions, CRM core, proactive engine, console, tests
# Interpreters: RASA_PYTHON / APP_PYTHON if set, else python3.10 / python3.11 on PATH, else pyenv.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

find_python() {  # $1 = wanted version (3.10), $2 = name of the override variable
    local want="$1" var="$2" candidate
    local override="${!var:-}"
    if [[ -n "$override" ]]; then
        candidate="$override"
    elif command -v "python$want" >/dev/null 2>&1 && "python$want" -c '' >/dev/null 2>&1; then
        candidate="python$want"
    elif command -v pyenv >/dev/null 2>&1 && pyenv prefix "$want" >/dev/null 2>&1; then
        candidate="$(pyenv prefix "$want")/bin/python"
    elif command -v pyenv >/dev/null 2>&1 \
        && latest="$(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}\.[0-9]+$" | sort -V | tail -n1)" \
        && [[ -n "$latest" ]]; then
        candidate="$(pyenv root)/versions/$latest/bin/python"
    else
        candidate=""
    fi
    local got=""
    [[ -n "$candidate" ]] && got="$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)"
    if [[ "$got" != "$want" ]]; then
        cat >&2 <<MSG
[setup] ERROR: Python $want is required and was not found${candidate:+ (tried '$candidate', which is Python ${got:-unusable})}.
[setup] Install it and run again, for example:
[setup]     pyenv install $want        # or: apt-get install python$want python$want-venv
[setup] or point $var at an existing interpreter:
[setup]     $var=/path/to/python$want make ${MAKE_TARGET:-test}
MSG
        exit 3
    fi
    command -v "$candidate" 2>/dev/null || echo "$candidate"
}

# ensure_env DIR PYTHON LOCKFILE: (re)builds DIR when its stamp differs from the lock's hash.
ensure_env() {
    local dir="$1" python="$2" lock="$3"
    local stamp
    # Comments do not change what gets installed, so they do not count.
    stamp="$(grep -v "^#" "$lock" | sha256sum | cut -c1-16) $("$python" -c "import sys; print(sys.version.split()[0])")"
    if [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$stamp" ]]; then
        return 0
    fi
    local started=$SECONDS
    log "building $dir with $python from $lock (output in var/setup-$(basename "$dir").log) ..."
    rm -rf "$dir"
    {
        "$python" -m venv "$dir"
        "$dir/bin/python" -m pip install --quiet --upgrade pip
        "$dir/bin/python" -m pip install --progress-bar off -r "$lock"
        "$dir/bin/python" -m pip check
    } >"var/setup-$(basename "$dir").log" 2>&1 || {
        log "ERROR: building $dir failed; the last lines of var/setup-$(basename "$dir").log:"
        tail -n 20 "var/setup-$(basename "$dir").log" >&2
        rm -rf "$dir"
        return 1
    }
    echo "$stamp" >"$dir/.stamp"
    log "$dir ready in $((SECONDS - started)) s, $(du -sh "$dir" | cut -f1)"
}

# The storefront's chat widget (rasa-webchat from the npm registry), served by the project itself.
ensure_widget() {
    local stamp=web/node_modules/.stamp want
    want="$(sha256sum web/package-lock.json | cut -c1-16)"
    [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && return 0
    if ! command -v npm >/dev/null 2>&1; then
        log "WARNING: npm not found, so the storefront has no chat widget: install Node.js and npm, then run make again"
        return 0
    fi
    log "installing the chat widget (npm ci in web/, output in var/setup-npm.log) ..."
    (cd web && npm ci --no-audit --no-fund --loglevel=error) >var/setup-npm.log 2>&1 || {
        log "ERROR: npm ci failed; the last lines of var/setup-npm.log:"
        tail -n 20 var/setup-npm.log >&2
        return 1
    }
    echo "$want" >"$stamp"
}

# Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser).
ensure_chromium() {
    [[ -x /usr/bin/chromium ]] && return 0
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "installing Debian's chromium for the browser tests (output in var/setup-chromium.log) ..."
        { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; } \
            >var/setup-chromium.log 2>&1 || log "WARNING: chromium could not be installed; see var/setup-chromium.log"
    else
        log "NOTE: /usr/bin/chromium is missing, so the browser tests cannot run: sudo apt-get install chromium"
    fi
}

mkdir -p var
rasa_python="$(find_python 3.10 RASA_PYTHON)"
app_python="$(find_python 3.11 APP_PYTHON)"

# Both builds are mostly download and unpack time: run them side by side.
ensure_env .venv-rasa "$rasa_python" requirements/rasa.lock & rasa_pid=$!
ensure_env .venv "$app_python" requirements/app.lock & app_pid=$!
ensure_widget & widget_pid=$!
status=0
if [[ "${MAKE_TARGET:-}" != run ]]; then
    ensure_chromium || status=1
fi
wait "$rasa_pid" || status=1
wait "$app_pid" || status=1
wait "$widget_pid" || status=1
exit "$status"
