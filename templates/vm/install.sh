#!/bin/sh
# Install a cleat VM bundle on this machine (POSIX sh, idempotent: a second run changes nothing).
# Usage: sh install.sh [--root DIR] [--no-service]
#   --root DIR     install under DIR instead of / (image building, containers, tests); implies no chown
#   --no-service   do not start or restart the istio systemd unit
# Values specific to the bundle come from install.env next to this script; nothing here is generated.
set -eu
# Directories are created 0755 unless listed below; credential files are copied under umask 077.
umask 022

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
root=/
service=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=${2:?--root needs a directory}; shift 2 ;;
    --root=*) root=${1#--root=}; shift ;;
    --no-service) service=0; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 64 ;;
  esac
done
root=${root%/}
. "$here/install.env"

if [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
  echo "install.sh: run as root (or pass --root DIR)" >&2
  exit 1
fi

# 1. Refuse a bundle whose files do not match manifest.json.
sums=$(awk '
  /^  "files": \{/ { infiles = 1; next }
  infiles && /^  [}]/ { infiles = 0 }
  infiles && /^    "[^"]+": \{/ { f = $1; gsub(/[":]/, "", f) }
  infiles && /"sha256":/ { s = $2; gsub(/[",]/, "", s); print s "  " f }
' "$here/manifest.json")
if [ -z "$sums" ]; then echo "install.sh: manifest.json lists no files" >&2; exit 65; fi
if ! (cd "$here" && printf '%s\n' "$sums" | sha256sum -c - >/dev/null); then
  echo "install.sh: the bundle does not match its manifest; not installing" >&2
  exit 65
fi

chown_ok=0
if [ -z "$root" ] && [ "$(id -u)" = 0 ] && id istio-proxy >/dev/null 2>&1; then chown_ok=1; fi
changed=0

mkdir_mode() { # DIR MODE OWNER
  d=$root$1
  if [ ! -d "$d" ]; then mkdir -p "$d"; changed=1; echo "created $1"; fi
  if [ "$(stat -c %a "$d")" != "${2#0}" ]; then chmod "$2" "$d"; changed=1; fi
  if [ $chown_ok = 1 ]; then chown "$3:$3" "$d"; fi
}

place() { # BUNDLE-FILE DEST MODE OWNER
  [ -f "$here/$1" ] || return 0
  dest=$root$2
  if [ -f "$dest" ] && cmp -s "$here/$1" "$dest" && [ "$(stat -c %a "$dest")" = "${3#0}" ]; then return 0; fi
  tmp="$dest.cleat-tmp.$$"
  (umask 077 && cp "$here/$1" "$tmp")
  chmod "$3" "$tmp"
  if [ $chown_ok = 1 ]; then chown "$4:$4" "$tmp"; fi
  mv -f "$tmp" "$dest"
  changed=1
  echo "installed $2"
}

# 2. Directories and files (the same table as cleat's PLACEMENTS).
mkdir_mode /etc/certs 0750 istio-proxy
mkdir_mode /var/run/secrets/tokens 0750 istio-proxy
mkdir_mode /var/lib/istio/envoy 0755 root
mkdir_mode /etc/istio/config 0755 root
place root-cert.pem /etc/certs/root-cert.pem 0644 istio-proxy
place cert-chain.pem /etc/certs/cert-chain.pem 0644 istio-proxy
place key.pem /etc/certs/key.pem 0600 istio-proxy
place istio-token /var/run/secrets/tokens/istio-token 0600 istio-proxy
place cluster.env /var/lib/istio/envoy/cluster.env 0644 root
place mesh.yaml /etc/istio/config/mesh 0644 root

# 3. The managed /etc/hosts block (only when the bundle has a hosts file).
begin='# BEGIN cleat-vm (managed by cleat; do not edit this block)'
end='# END cleat-vm'
hf=$root/etc/hosts
if [ -f "$here/hosts" ]; then
  mkdir -p "$root/etc"
  if [ ! -f "$hf" ]; then : > "$hf"; chmod 0644 "$hf"; fi
  new=$(mktemp)
  awk -v b="$begin" -v e="$end" '$0 == b { skip = 1; next } $0 == e { skip = 0; next } !skip { print }' "$hf" > "$new"
  { printf '%s\n' "$begin"; cat "$here/hosts"; printf '%s\n' "$end"; } >> "$new"
  if cmp -s "$new" "$hf"; then rm -f "$new"; else cat "$new" > "$hf"; rm -f "$new"; changed=1; echo "updated /etc/hosts"; fi
fi

# 4. The sidecar service.
if [ $service = 1 ]; then
  if [ $changed = 1 ]; then
    systemctl enable "$CLEAT_SERVICE"
    systemctl restart "$CLEAT_SERVICE"
  elif ! systemctl is-active --quiet "$CLEAT_SERVICE"; then
    systemctl enable --now "$CLEAT_SERVICE"
    changed=1
  fi
fi

if [ $changed = 1 ]; then echo "VM $CLEAT_VM_NAME installed"; else echo "VM $CLEAT_VM_NAME: already installed, nothing changed"; fi
