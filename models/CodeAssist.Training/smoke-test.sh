#!/usr/bin/env bash
# Keeps the training tool from rotting unseen (it is outside CodeAssist.sln): builds it, then runs every step of the
# pipeline at toy size on a tiny corpus — corpus, tokenizer, a few training steps, export with the GenAI parity check
# (the exported folder loaded and run by GenAI, logits compared with TorchSharp's), and `codeassist model verify`.
# Closes with "training: N passed, N failed".
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() { # check NAME COMMAND...
  local name="$1" started=$SECONDS; shift
  if "$@" >"$work/step.log" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name ($((SECONDS - started)) s)"
  else
    failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$work/step.log" | tail -20
  fi
}

check "the training tool builds (TorchSharp restored from the feed)" dotnet build "$here" -c Release --nologo -v quiet
train=("dotnet" "$here/bin/Release/net10.0/codeassist-train.dll")
toy=(--work "$work/run" --vocab 300)
check "corpus (tiny)" "${train[@]}" corpus "${toy[@]}" --max-chars 300000
check "tokenizer" "${train[@]}" tokenizer "${toy[@]}" --tokenizer-sample-chars 100000
check "train 4 steps" "${train[@]}" train "${toy[@]}" --steps 4 --layers 1 --hidden 32 --heads 2 --intermediate 64 --context 256 \
  --batch 2 --warmup 1 --restart-at 2 --fim-focus-from 2 --later-restart-at 3 --spm-from 3 --eval-every 2 --checkpoint-minutes 60
check "export, GenAI loads it and agrees with TorchSharp" "${train[@]}" export "${toy[@]}" --out "$work/model"
server="$repo/src/CodeAssist.Server/bin/Release/net10.0/codeassist.dll"
if [ -f "$server" ]; then
  check "codeassist model verify accepts the exported folder" dotnet "$server" model verify "$work/model"
fi
echo "training: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
