#!/usr/bin/env bash
# Install the navigator on a kiosk PC (Ubuntu 24.04 / Debian 12) as a systemd user service.
#
#   scripts/install_kiosk.sh [--prefix DIR] [--user NAME] [--home DIR] [--dry-run] [--no-system] [--no-venv]
#
# 1. Debian packages from scripts/system-packages.txt (needs root or sudo; skipped with --no-system)
# 2. the program copied to PREFIX (default /opt/machida-navigator), owned by the kiosk user;
#    an existing PREFIX/kiosk_config.toml is kept (the technician's settings survive updates)
# 3. a virtualenv PREFIX/.venv with the kiosk's Python packages (skipped with --no-venv)
# 4. ~/.config/systemd/user/machida-navigator.service for the kiosk user (Type=notify,
#    Restart=always, WatchdogSec=30), enabled when a systemd user session is reachable
# 5. the recipe to start at boot: loginctl enable-linger + automatic login
# --dry-run prints every step and the unit, and changes nothing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/.." && pwd)
prefix=${PREFIX:-/opt/machida-navigator}
kiosk_user=${KIOSK_USER:-${SUDO_USER:-$(id -un)}}
kiosk_home=""
dry_run=0 system=1 venv=1
python=${PYTHON:-python3}

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --user) kiosk_user=$2; shift 2 ;;
    --home) kiosk_home=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --no-system) system=0; shift ;;
    --no-venv) venv=0; shift ;;
    -h|--help) awk 'NR > 1 { if (!/^#/) exit; sub(/^# ?/, ""); print }' "$0"; exit 0 ;;   # the header above
    *) echo "install-kiosk: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$kiosk_home" ] || kiosk_home=$(getent passwd "$kiosk_user" | cut -d: -f6)
[ -n "$kiosk_home" ] || { echo "install-kiosk: user $kiosk_user not found (use --user NAME)" >&2; exit 2; }
prefix=$(realpath -m "$prefix")
config="$prefix/kiosk_config.toml"
unit_dir="$kiosk_home/.config/systemd/user"
unit="$unit_dir/machida-navigator.service"

step() { echo "install-kiosk: $*"; }
run() { if [ $dry_run -eq 1 ]; then echo "  would run: $*"; else "$@"; fi; }

sudo_cmd=""
if [ $dry_run -eq 0 ] && [ "$(id -u)" -ne 0 ] && ! mkdir -p "$prefix" 2>/dev/null; then
  if sudo -n true 2>/dev/null; then sudo_cmd="sudo -n"; else
    echo "install-kiosk: cannot create $prefix; run with sudo, or choose --prefix DIR" >&2; exit 1; fi
fi

if [ $system -eq 1 ]; then
  step "1/5 Debian packages (scripts/system-packages.txt)"
  run bash "$here/setup_system.sh"
else
  step "1/5 Debian packages: skipped (--no-system)"
fi

step "2/5 program files → $prefix"
if [ $dry_run -eq 1 ]; then
  echo "  would copy $source_dir to $prefix (without .venv, .git, logs, caches), keeping an existing kiosk_config.toml"
else
  $sudo_cmd mkdir -p "$prefix"
  [ -f "$config" ] && cp -p "$config" "$prefix/.kiosk_config.toml.keep"
  tar -C "$source_dir" --exclude=./.venv --exclude=./.git --exclude=./logs --exclude='__pycache__' \
      --exclude=./.pytest_cache --exclude='*.egg-info' -cf - . | $sudo_cmd tar -C "$prefix" -xf -
  [ -f "$prefix/.kiosk_config.toml.keep" ] && $sudo_cmd mv -f "$prefix/.kiosk_config.toml.keep" "$config"
  $sudo_cmd mkdir -p "$prefix/logs"
  if [ "$(id -u)" -eq 0 ] || [ -n "$sudo_cmd" ]; then $sudo_cmd chown -R "$kiosk_user:" "$prefix"; fi
fi

if [ $venv -eq 1 ]; then
  step "3/5 Python packages → $prefix/.venv (a few minutes the first time)"
  as_user=()
  [ "$(id -un)" != "$kiosk_user" ] && as_user=(sudo -u "$kiosk_user")
  run "${as_user[@]}" "$python" -m venv "$prefix/.venv"
  run "${as_user[@]}" "$prefix/.venv/bin/python" -m pip install -q --upgrade pip
  run "${as_user[@]}" "$prefix/.venv/bin/python" -m pip install -q -e "$prefix"
else
  step "3/5 Python packages: skipped (--no-venv: $prefix/.venv must exist)"
fi

step "4/5 systemd user service → $unit"
unit_text=$(sed -e "s|@PREFIX@|$prefix|g" -e "s|@CONFIG@|$config|g" "$here/machida-navigator.service.in")
if [ $dry_run -eq 1 ]; then
  echo "  would write:"; echo "$unit_text" | sed 's/^/    /'
else
  mkdir -p "$unit_dir"
  printf '%s\n' "$unit_text" > "$unit"
  if [ "$(id -u)" -eq 0 ] && [ "$kiosk_user" != root ]; then chown -R "$kiosk_user:" "$kiosk_home/.config/systemd"; fi
fi

if [ "$(id -un)" = "$kiosk_user" ] && [ "$kiosk_home" = "$HOME" ] && command -v systemctl >/dev/null 2>&1 && systemctl --user show-environment >/dev/null 2>&1; then
  run systemctl --user daemon-reload
  run systemctl --user enable machida-navigator.service
  step "enabled: it starts with $kiosk_user's desktop session (now: systemctl --user start machida-navigator)"
else
  step "no systemd user session for $kiosk_user reachable from here (CI, a container, another user or --home): as $kiosk_user, run"
  echo "    systemctl --user daemon-reload && systemctl --user enable --now machida-navigator.service"
fi

step "5/5 start at boot (once, as an administrator):"
cat <<RECIPE
    sudo loginctl enable-linger $kiosk_user            # $kiosk_user's services run from boot, not only after a login
    # Log $kiosk_user in automatically so the kiosk gets the screen:
    #  Ubuntu 24.04 / Debian 12 with GNOME (gdm3): /etc/gdm3/custom.conf (Debian 12: /etc/gdm3/daemon.conf)
    #    [daemon]
    #    AutomaticLoginEnable=true
    #    AutomaticLogin=$kiosk_user
    #  LightDM (Xfce, LXDE...): /etc/lightdm/lightdm.conf
    #    [Seat:*]
    #    autologin-user=$kiosk_user
    # Then reboot, and check: systemctl --user status machida-navigator ; journalctl --user -u machida-navigator
    # Health at any time: $prefix/.venv/bin/navigator doctor   (logs: $prefix/logs/)
RECIPE
[ $dry_run -eq 1 ] && step "dry run: nothing was changed"
exit 0
