#!/bin/sh
# Remove what install.sh placed for a cleat VM bundle: stop the sidecar, remove the credential and
# configuration files and the managed /etc/hosts block. Idempotent.
# Usage: sh uninstall.sh [--root DIR] [--no-service]
set -eu
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
root=/
service=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=${2:?--root needs a directory}; shift 2 ;;
    --root=*) root=${1#--root=}; shift ;;
    --no-service) service=0; shift ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1" >&2; exit 64 ;;
  esac
done
root=${root%/}
. "$here/install.env"

if [ $service = 1 ]; then systemctl disable --now "$CLEAT_SERVICE" || true; fi
for f in /etc/certs/root-cert.pem /etc/certs/cert-chain.pem /etc/certs/key.pem /var/run/secrets/tokens/istio-token \
         /var/lib/istio/envoy/cluster.env /etc/istio/config/mesh; do
  if [ -e "$root$f" ]; then rm -f "$root$f"; echo "removed $f"; fi
done
begin='# BEGIN cleat-vm (managed by cleat; do not edit this block)'
end='# END cleat-vm'
hf=$root/etc/hosts
if [ -f "$hf" ] && grep -qxF "$begin" "$hf"; then
  new=$(mktemp)
  awk -v b="$begin" -v e="$end" '$0 == b { skip = 1; next } $0 == e { skip = 0; next } !skip { print }' "$hf" > "$new"
  cat "$new" > "$hf"
  rm -f "$new"
  echo "removed the cleat block from /etc/hosts"
fi
echo "VM $CLEAT_VM_NAME uninstalled"
