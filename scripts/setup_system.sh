#!/usr/bin/env bash
# Install the Debian/Ubuntu packages listed in scripts/system-packages.txt that are missing.
# Uses apt-get as root (or through passwordless sudo); otherwise prints the command to run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t wanted < <(grep -vE '^\s*(#|$)' "$here/system-packages.txt" | awk '{print $1}')
command -v dpkg-query >/dev/null 2>&1 || { echo "setup: not a Debian/Ubuntu system; install these yourself: ${wanted[*]}"; exit 0; }
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else
  echo "setup: missing Debian packages: ${missing[*]}"
  echo "setup: run: sudo apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi
echo "setup: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
