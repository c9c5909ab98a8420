#!/usr/bin/env bash
# Installs CodeAssist: builds and publishes `codeassist` into a prefix, installs the default model, the editor
# clients it finds, and ends with `codeassist doctor` and a demo completion. Run it again to update; --uninstall
# removes what it installed and nothing else. Nothing here downloads a model; with --offline nothing is downloaded.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="${HOME}/.local"
model_dir=""
gpu=0
offline=0
offline_source=""
editors=1
code_server=0
uninstall=0
pack_dir=""
demo=1
required_sdk_major=10

usage() {
  cat <<'EOF'
Usage: ./install.sh [options]

  --prefix DIR        install under DIR (default: ~/.local): DIR/bin/codeassist, DIR/lib/codeassist
  --model DIR         install this GenAI model folder (copied in from elsewhere) as the default model
  --gpu               build the CUDA variant (needs Microsoft.ML.OnnxRuntimeGenAI.Cuda in your package feed,
                      and the CUDA 12 runtime with cuDNN 9 on this machine)
  --offline [DIR]     restore packages only from DIR (or the local NuGet cache); no network at all. A DIR made by
                      --pack (CodeAssist .NET tool packages) is installed as is, with no build
  --pack DIR          write the .NET tool packages of codeassist for this platform (with the default model and the
                      Neovim plugin inside), the VS Code extension and the Neovim plugin into DIR, for
                      `dotnet tool install -g CodeAssist --add-source DIR` or `install.sh --offline DIR` elsewhere
  --no-editors        do not install the VS Code extension or the Neovim plugin
  --code-server       also install the VS Code extension into code-server
  --no-demo           skip the closing doctor run and demo completion
  --uninstall         remove everything a previous install put under --prefix
  -h, --help          this text
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --model) model_dir="$2"; shift 2 ;;
    --model=*) model_dir="${1#*=}"; shift ;;
    --gpu) gpu=1; shift ;;
    --offline)
      offline=1
      if [ $# -gt 1 ] && [ "${2#-}" = "$2" ]; then offline_source="$2"; shift; fi
      shift ;;
    --offline=*) offline=1; offline_source="${1#*=}"; shift ;;
    --no-editors) editors=0; shift ;;
    --code-server) code_server=1; shift ;;
    --no-demo) demo=0; shift ;;
    --pack) pack_dir="$2"; shift 2 ;;
    --pack=*) pack_dir="${1#*=}"; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"
lib="$prefix/lib/codeassist"
bin="$prefix/bin"
manifest="$lib/.install-manifest"
nvim_pack_root="${XDG_DATA_HOME:-$HOME/.local/share}/nvim/site/pack/codeassist"
nvim_pack="$nvim_pack_root/start/codeassist"
profile_marker="# added by CodeAssist install.sh"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

remove_path_line() {
  for rc in "$HOME/.profile" "$HOME/.bashrc"; do
    [ -f "$rc" ] && grep -qF "$profile_marker" "$rc" && sed -i "/$(printf '%s' "$profile_marker" | sed 's/[\/&]/\\&/g')/d" "$rc"
  done
  return 0
}

if [ "$uninstall" -eq 1 ]; then
  [ -f "$manifest" ] || fail "nothing to uninstall: $manifest does not exist (was CodeAssist installed with --prefix $prefix?)"
  say "Removing CodeAssist from $prefix"
  while IFS= read -r entry; do
    case "$entry" in
      vscode:*) for editor in code code-server; do command -v "$editor" >/dev/null && "$editor" --uninstall-extension "${entry#vscode:}" >/dev/null 2>&1 || true; done ;;
      path-line) remove_path_line ;;
      *) [ -n "$entry" ] && rm -rf -- "$entry" ;;
    esac
  done < <(grep -v '^#' "$manifest")
  rm -rf -- "$lib"
  rmdir "$prefix/lib" "$prefix/bin" 2>/dev/null || true
  say "CodeAssist is uninstalled."
  exit 0
fi

# ---- prerequisites -------------------------------------------------------------------------------
say "Checking prerequisites"
command -v dotnet >/dev/null || fail ".NET SDK $required_sdk_major is missing: install it from your distribution (Debian/Ubuntu: packages from packages.microsoft.com, 'dotnet-sdk-$required_sdk_major.0') or https://dot.net, then run ./install.sh again"
sdk_major="$(dotnet --list-sdks | sed -E 's/^([0-9]+)\..*/\1/' | sort -n | tail -1)"
[ -n "$sdk_major" ] && [ "$sdk_major" -ge "$required_sdk_major" ] || fail ".NET SDK $required_sdk_major or newer is needed (found: $(dotnet --list-sdks | tr '\n' ' ')); install dotnet-sdk-$required_sdk_major.0"
echo "    .NET SDK $(dotnet --version)"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) rid=linux-x64 ;;
  Linux-aarch64) rid=linux-arm64 ;;
  Darwin-arm64) rid=osx-arm64 ;;
  Darwin-x86_64) rid=osx-x64 ;;
  *) fail "unsupported platform $(uname -s)-$(uname -m)" ;;
esac

accelerator=cpu
if [ "$gpu" -eq 1 ]; then
  accelerator=cuda
  [ "$rid" = linux-x64 ] || fail "--gpu is supported on linux-x64 only"
  command -v nvidia-smi >/dev/null || echo "    warning: nvidia-smi not found: is the NVIDIA driver installed?"
  ldconfig -p 2>/dev/null | grep -q 'libcudart.so.12' || echo "    warning: CUDA 12 runtime (libcudart.so.12) not found: install cuda-runtime-12 (or cuda-toolkit-12)"
  ldconfig -p 2>/dev/null | grep -q 'libcudnn.so.9' || echo "    warning: cuDNN 9 (libcudnn.so.9) not found: install libcudnn9-cuda-12"
fi

restore_args=()
if [ "$offline" -eq 1 ]; then
  if [ -n "$offline_source" ]; then
    [ -d "$offline_source" ] || fail "--offline $offline_source: no such folder (prepare it with 'dotnet restore --packages DIR' on an online machine; see README)"
    restore_args+=(--source "$(cd "$offline_source" && pwd)")
  else
    restore_args+=(--source "${NUGET_PACKAGES:-$HOME/.nuget/packages}")
  fi
fi

# ---- --pack: the folder an air-gapped team copies ------------------------------------------------
if [ -n "$pack_dir" ]; then
  mkdir -p "$pack_dir"
  pack_dir="$(cd "$pack_dir" && pwd)"
  say "Packing the codeassist .NET tool ($rid) into $pack_dir"
  dotnet pack "$repo/src/CodeAssist.Server" -c Release -p:RuntimeIdentifiers="$rid" -p:Accelerator="$accelerator" \
    ${restore_args[@]+"${restore_args[@]}"} --nologo -v quiet -o "$pack_dir" >"$pack_dir/.pack.log" 2>&1 \
    || { cat "$pack_dir/.pack.log" >&2; fail "dotnet pack failed (log above)"; }
  rm -f "$pack_dir/.pack.log"
  rm -rf "$pack_dir/codeassist.nvim"
  mkdir -p "$pack_dir/codeassist.nvim"
  cp -R "$repo/editors/nvim/plugin" "$repo/editors/nvim/lua" "$repo/editors/nvim/doc" "$repo/editors/nvim/lsp" "$pack_dir/codeassist.nvim/"
  if command -v npm >/dev/null && (cd "$repo/editors/vscode" && { [ -d node_modules ] || npm ci --no-audit --no-fund; } >/dev/null 2>&1 && npm run --silent package >/dev/null 2>&1); then
    cp "$repo/editors/vscode/codeassist.vsix" "$pack_dir/"
  else
    echo "    the VS Code extension was not packed (npm could not build it); build it with: cd editors/vscode && npm ci && npm run package"
  fi
  ls -1 "$pack_dir" | sed 's/^/    /'
  echo "    on the other machine: dotnet tool install -g CodeAssist --add-source DIR   (or: ./install.sh --offline DIR)"
  exit 0
fi

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
tool_packages=0
if [ "$offline" -eq 1 ] && [ -n "$offline_source" ] && ls "$offline_source"/CodeAssist.*.nupkg >/dev/null 2>&1; then
  tool_packages=1
fi

if [ "$tool_packages" -eq 1 ]; then
# ---- install the .NET tool from the folder --pack wrote ------------------------------------------
say "Installing the codeassist .NET tool from $offline_source into $lib"
# Only that folder as a package source: nothing else is asked, so nothing waits on a network.
printf '<?xml version="1.0" encoding="utf-8"?>\n<configuration><packageSources><clear /><add key="codeassist" value="%s" /></packageSources></configuration>\n' \
  "$(cd "$offline_source" && pwd)" >"$staging/nuget.config"
dotnet tool install CodeAssist --tool-path "$staging/tool" --configfile "$staging/nuget.config" >"$staging/tool.log" 2>&1 \
  || { cat "$staging/tool.log" >&2; fail "dotnet tool install from $offline_source failed (log above)"; }
mkdir -p "$lib/models"
find "$lib" -mindepth 1 -maxdepth 1 ! -name models ! -name .install-manifest -exec rm -rf {} +
cp -R "$staging/tool/." "$lib/"
else
# ---- build and publish ---------------------------------------------------------------------------
say "Building codeassist ($accelerator, $rid) into $lib"
# The server is published ReadyToRun, which needs the Crossgen2 pack at publish time; an offline folder without it
# gets a build without ReadyToRun (same behaviour, slower first completions) rather than a failed install.
if [ "$offline" -eq 1 ] && ! ls "${offline_source:-${NUGET_PACKAGES:-$HOME/.nuget/packages}}" 2>/dev/null | grep -qi '^microsoft\.netcore\.app\.crossgen2'; then
  echo "    the offline packages have no Microsoft.NETCore.App.Crossgen2 pack: building without ReadyToRun (see README)"
  restore_args+=(-p:PublishReadyToRun=false)
fi
dotnet publish "$repo/src/CodeAssist.Server" -c Release -r "$rid" --self-contained false -p:Accelerator="$accelerator" \
  ${restore_args[@]+"${restore_args[@]}"} --nologo -v quiet -o "$staging/app" >"$staging/publish.log" 2>&1 \
  || { cat "$staging/publish.log" >&2; fail "the build failed (log above)"; }

# Models survive an update; everything else is replaced.
mkdir -p "$lib/models"
find "$lib" -mindepth 1 -maxdepth 1 ! -name models ! -name .install-manifest -exec rm -rf {} +
cp -R "$staging/app/." "$lib/"
fi
mkdir -p "$bin"
cat >"$bin/codeassist" <<EOF
#!/usr/bin/env sh
exec "$lib/codeassist" "\$@"
EOF
chmod +x "$bin/codeassist"
codeassist="$bin/codeassist"
{
  echo "# files installed by CodeAssist install.sh; --uninstall removes exactly these"
  echo "$bin/codeassist"
  echo "$lib"
} >"$manifest"

# ---- model ---------------------------------------------------------------------------------------
if [ -n "$model_dir" ]; then
  say "Installing the model in $model_dir"
  "$codeassist" model verify "$model_dir" || fail "$model_dir is not a usable model folder (see above)"
  "$codeassist" model add "$model_dir" --default
elif [ "$tool_packages" -eq 1 ]; then
  echo "    the default model (CodeAssist-Tiny) came inside the tool package"
elif [ -f "$repo/models/codeassist-tiny/genai_config.json" ]; then
  say "Installing the default model (CodeAssist-Tiny)"
  "$codeassist" model add "$repo/models/codeassist-tiny" --default
elif [ ! -f "$lib/models/codeassist-tiny/genai_config.json" ]; then
  # A checkout without models/codeassist-tiny (a partial copy of the repository). A generated random-weight model
  # would make doctor pass and then suggest noise, so nothing is installed and the user is told how to bring one.
  say "No default model: $repo/models/codeassist-tiny is missing from this copy of the repository"
  echo "    codeassist serves without suggestions until a model is installed: copy a GenAI model folder onto this"
  echo "    machine and run: $bin/codeassist model add DIR --default   (or ./install.sh --model DIR)"
fi

# ---- PATH ----------------------------------------------------------------------------------------
case ":$PATH:" in
  *":$bin:"*) ;;
  *)
    if [ "$prefix" = "$HOME/.local" ] && [ -w "$HOME" ]; then
      echo "export PATH=\"$bin:\$PATH\" $profile_marker" >>"$HOME/.profile"
      echo "path-line" >>"$manifest"
      echo "    added $bin to PATH in ~/.profile (open a new shell, or run: export PATH=\"$bin:\$PATH\")"
    else
      echo "    $bin is not on PATH; add it: export PATH=\"$bin:\$PATH\""
    fi ;;
esac

# ---- editors -------------------------------------------------------------------------------------
if [ "$editors" -eq 1 ]; then
  vscode_targets=()
  command -v code >/dev/null && vscode_targets+=(code)
  [ "$code_server" -eq 1 ] && command -v code-server >/dev/null && vscode_targets+=(code-server)
  if [ ${#vscode_targets[@]} -gt 0 ]; then
    say "Installing the VS Code extension"
    vsix="$repo/editors/vscode/codeassist.vsix"
    # A folder written by --pack carries the packed extension: no npm at all.
    [ "$tool_packages" -eq 1 ] && [ -f "$offline_source/codeassist.vsix" ] && vsix="$offline_source/codeassist.vsix"
    if [ "$vsix" != "$repo/editors/vscode/codeassist.vsix" ] || (cd "$repo/editors/vscode" && { [ "$offline" -eq 1 ] && npm ci --offline --no-audit --no-fund || npm ci --no-audit --no-fund; } >/dev/null 2>&1 && npm run package >/dev/null 2>&1); then
      for editor in "${vscode_targets[@]}"; do
        "$editor" --install-extension "$vsix" --force >/dev/null && echo "    installed into $editor"
      done
      echo "vscode:codeassist.codeassist" >>"$manifest"
    else
      echo "    warning: building the extension failed (npm); run 'npm ci && npm run package' in editors/vscode"
    fi
  fi
  if command -v nvim >/dev/null; then
    say "Installing the Neovim plugin into $nvim_pack"
    rm -rf "$nvim_pack_root"
    mkdir -p "$nvim_pack"
    cp -R "$repo/editors/nvim/plugin" "$repo/editors/nvim/lua" "$repo/editors/nvim/doc" "$repo/editors/nvim/lsp" "$nvim_pack/"
    nvim --headless -u NONE -c "helptags $nvim_pack/doc" -c q >/dev/null 2>&1 || true
    echo "$nvim_pack_root" >>"$manifest"
    echo "    add to your init.lua:  require('codeassist').setup({ cmd = { '$bin/codeassist', 'serve' } })"
  fi
fi

# ---- doctor and demo -----------------------------------------------------------------------------
if [ "$demo" -eq 1 ]; then
  say "codeassist doctor"
  "$codeassist" doctor || echo "    (doctor reported a problem; see above)"
  say "Demo: completing a C# file"
  sample="$staging/Demo.cs"
  cat >"$sample" <<'EOF'
using System;

public static class Program
{
    public static void Main(string[] args)
    {
        Console.WriteLine("Hello, world!"
    }
}
EOF
  sed -n '5,8p' "$sample" | sed 's/^/    | /'
  echo "    suggestion at line 7, column 42:"
  if suggestion="$("$codeassist" complete "$sample" --line 7 --column 42 --no-project 2>"$staging/complete.log")"; then
    printf '%s\n' "$suggestion" | sed 's/^/    > /'
  else
    sed 's/^/    /' "$staging/complete.log"
  fi
fi

say "CodeAssist is installed: $codeassist ($("$codeassist" --version))"
echo "    uninstall with: ./install.sh --uninstall${prefix:+ --prefix $prefix}"
