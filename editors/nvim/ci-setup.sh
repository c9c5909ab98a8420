#!/usr/bin/env bash
# Installs what the Neovim plugin's tests need: Debian's neovim (0.7.2 on Debian 12).
# Idempotent: a second run installs nothing and reaches no network.
set -euo pipefail

say() { printf '[nvim ci-setup] %s\n' "$*"; }

if command -v nvim >/dev/null 2>&1; then
  say "neovim present: $(nvim --version | head -1)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "nvim is missing and apt-get is not available; install Neovim 0.7 or newer by hand"
  exit 1
fi
say "apt-get install neovim"
apt-get -o DPkg::Lock::Timeout=600 update -q
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends neovim
say "installed: $(nvim --version | head -1)"
