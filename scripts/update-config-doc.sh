#!/usr/bin/env bash
# Rewrites the option table of docs/configuration.md from `quflx config-reference` (the table
# the parser itself uses), so the document cannot drift from the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build/release/src/app/quflx}"
table="$("$bin" config-reference)"
python3 - "$table" <<'PY'
import sys
path = 'docs/configuration.md'
lines = open(path).read().split('\n')
start = next(i for i, l in enumerate(lines) if l.startswith('| Flag |'))
end = start
while end < len(lines) and lines[end].startswith('|'):
    end += 1
lines[start:end] = sys.argv[1].rstrip('\n').split('\n')
open(path, 'w').write('\n'.join(lines))
PY
