#!/usr/bin/env bash
# Installs everything the VS Code extension's build, unit tests and end-to-end test need:
# Debian packages (compilers and headers for code-server's native modules, ripgrep, Chromium),
# the extension's npm dependencies, and code-server from npm, installed offline-friendly.
# Idempotent: a second run changes nothing and reaches no network when all is in place.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CODE_SERVER_VERSION=4.100.3
E2E_HOME="${CODEASSIST_E2E_HOME:-$HOME/.cache/codeassist-vscode-e2e}"
code_server_dir="$E2E_HOME/code-server-$CODE_SERVER_VERSION"
started=$SECONDS

say() { printf '[ci-setup] %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------
packages=(build-essential pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev python3 ripgrep chromium curl ca-certificates)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  say "apt-get install ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}"
else
  say "Debian packages present"
fi

# --- Node ------------------------------------------------------------------------------------
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" != 20 ]]; then
  say "code-server $CODE_SERVER_VERSION needs Node 20; this is Node $(node --version)" >&2
  exit 1
fi
# node-gyp would otherwise download Node's headers; the packaged Node ships them.
if [[ -z "${npm_config_nodedir:-}" && -f /usr/include/node/common.gypi ]]; then
  export npm_config_nodedir=/usr
fi
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# --- The extension's npm dependencies (esbuild, vsce, TypeScript, playwright-core) ------------
lock_hash="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$here/node_modules/.ci-setup-lock" && "$(cat "$here/node_modules/.ci-setup-lock")" == "$lock_hash" ]]; then
  say "node_modules matches package-lock.json"
else
  say "npm ci in $here"
  (cd "$here" && npm ci)
  echo "$lock_hash" > "$here/node_modules/.ci-setup-lock"
fi

# --- code-server from npm ----------------------------------------------------------------------
# Its postinstall would `npm install` VS Code's modules, whose @vscode/ripgrep postinstall
# downloads rg from GitHub. So: install with --ignore-scripts, place Debian's rg where
# @vscode/ripgrep looks (its postinstall then finds bin/ and stops), and run every other build
# script with `npm rebuild`, which compiles the native modules from source against Node's headers.
if [[ -f "$code_server_dir/.installed" ]]; then
  say "code-server $CODE_SERVER_VERSION present in $code_server_dir"
else
  say "installing code-server $CODE_SERVER_VERSION into $code_server_dir"
  rm -rf "$code_server_dir"
  mkdir -p "$code_server_dir"
  cd "$code_server_dir"
  echo '{ "private": true }' > package.json
  npm install --ignore-scripts "code-server@$CODE_SERVER_VERSION"
  npm rebuild --foreground-scripts argon2

  vscode="$code_server_dir/node_modules/code-server/lib/vscode"
  cd "$vscode"
  npm install --omit=dev --ignore-scripts
  mkdir -p node_modules/@vscode/ripgrep/bin
  ln -sfn "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  # node-pty's postinstall runs `npx node-gyp`; npx may fetch node-gyp from the npm registry.
  npm_config_yes=true npm rebuild --foreground-scripts

  # The rest of code-server's postinstall.sh.
  rm -rf node_modules.asar && ln -s node_modules node_modules.asar
  ln -sfn code-linux.sh bin/remote-cli/code-server
  ln -sfn browser-linux.sh bin/helpers/browser.sh
  (cd extensions && npm install --omit=dev)

  # Every native module must load, and rg must run, or VS Code fails later in obscure ways.
  node -e '
    for (const m of ["@vscode/spdlog", "node-pty", "@parcel/watcher", "kerberos", "native-watchdog", "@vscode/deviceid"]) require(m);
    require(process.argv[1]);
  ' "$code_server_dir/node_modules/argon2"
  node_modules/@vscode/ripgrep/bin/rg --version > /dev/null
  "$code_server_dir/node_modules/.bin/code-server" --version
  echo "$CODE_SERVER_VERSION" > "$code_server_dir/.installed"
fi

say "done in $((SECONDS - started)) s"
