#!/usr/bin/env bash
# House rule: no C# line over 160 characters (.editorconfig's max_line_length; no analyzer checks it for C#).
# Names every offending file:line and exits 1 when there is one; takes a few milliseconds.
# Usage: tests/check-line-length.sh [LIMIT]
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
limit="${1:-160}"
# grep -P counts characters, not bytes, in a UTF-8 locale (an em dash is one column in an editor).
offenders="$(LC_ALL=C.UTF-8 grep -rnoP --include='*.cs' --exclude-dir=bin --exclude-dir=obj --exclude-dir=node_modules \
  --exclude-dir=.git "^.{$((limit + 1))}" . | cut -d: -f1,2 | sed 's|^\./||' | sort -t: -k1,1 -k2,2n)"
if [ -n "$offenders" ]; then
  sed 's/$/: over '"$limit"' characters/' <<<"$offenders"
  echo "$(wc -l <<<"$offenders") C# line(s) over $limit characters: wrap them at an argument list, && or ||, or a concatenation"
  exit 1
fi
echo "line length: no C# line over $limit characters"
