# shellcheck shell=bash
# What the dashboard's browser tests need: Debian's Chromium at /usr/bin/chromium
# (installed with apt-get when missing), Node.js with npm (likewise), and playwright-core
# at the version pinned in analytics-bin/tests/browser/package-lock.json, installed with
# `npm ci` into .test-servers/browser/ (kept between runs; reinstalled when the lock file
# changes). playwright-core downloads no browser. Exports LKA_TEST_BROWSER_NODE_PATH (the
# node_modules folder the tests load playwright-core from). Also the browser collector's
# dev dependencies (clients/js: esbuild, TypeScript, Vitest, livekit-client) with `npm ci`
# into clients/js/node_modules, again only when clients/js/package-lock.json changed (the
# lock of the last install is kept in .test-servers/client-js.package-lock.json). Sourced
# by the project's test script (set -euo pipefail on); idempotent; prints one line per
# thing it did.

lka_browser_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lka_browser_dir="$lka_browser_root/.test-servers/browser"
lka_browser_spec="$lka_browser_root/analytics-bin/tests/browser"

lka_browser_apt_install() {
    echo "browser: installing $* (apt-get)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x /usr/bin/chromium ]; then
    lka_browser_apt_install chromium
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    lka_browser_apt_install nodejs npm
fi
echo "browser: $(/usr/bin/chromium --version 2>/dev/null | tail -n 1), node $(node --version)"

mkdir -p "$lka_browser_dir"
if cmp -s "$lka_browser_spec/package-lock.json" "$lka_browser_dir/package-lock.json" \
    && [ -f "$lka_browser_dir/node_modules/playwright-core/package.json" ]; then
    echo "browser: playwright-core already installed in $lka_browser_dir"
else
    echo "browser: installing playwright-core (npm ci) into $lka_browser_dir"
    cp "$lka_browser_spec/package.json" "$lka_browser_spec/package-lock.json" "$lka_browser_dir/"
    (cd "$lka_browser_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
fi
export LKA_TEST_BROWSER_NODE_PATH="$lka_browser_dir/node_modules"

lka_client_js="$lka_browser_root/clients/js"
lka_client_js_lock="$lka_browser_root/.test-servers/client-js.package-lock.json"
if cmp -s "$lka_client_js/package-lock.json" "$lka_client_js_lock" \
    && [ -f "$lka_client_js/node_modules/vitest/package.json" ] \
    && [ -f "$lka_client_js/node_modules/livekit-client/package.json" ]; then
    echo "browser: clients/js dev dependencies already installed"
else
    echo "browser: installing clients/js dev dependencies (npm ci)"
    (cd "$lka_client_js" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$lka_client_js/package-lock.json" "$lka_client_js_lock"
fi
echo "browser: LKA_TEST_BROWSER_NODE_PATH=$LKA_TEST_BROWSER_NODE_PATH"
