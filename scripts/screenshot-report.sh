#!/bin/sh
# Renders a roas-pool HTML report in headless Chromium and saves a PNG, to look at it as a
# person would. Usage: scripts/screenshot-report.sh report.html [out.png] [width,height]
# Needs Debian's `chromium` (apt-get install chromium) or Google Chrome on PATH.
set -eu
html=${1:?usage: $0 report.html [out.png] [width,height]}
out=${2:-${html%.html}.png}
size=${3:-1200,2400}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "no chromium on PATH: apt-get install -y chromium" >&2
  exit 1
fi
abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
# A throwaway profile, no network: the page must render from itself alone.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --proxy-server=127.0.0.1:9 --window-size="$size" --screenshot="$out" "file://$abs" >/dev/null 2>&1
test -s "$out"
echo "$out"
