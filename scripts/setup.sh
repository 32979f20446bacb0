#!/usr/bin/env bash
# Sets up bootmedic on a Debian 12 machine: the host packages QEMU needs, Node.js 24
# (from the npm registry, into node_modules/.bin; the host's node is left alone), the
# npm dependencies, and the tiny guest (Debian's kernel and busybox, downloaded into the
# cache and unpacked there, never installed on the host). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Host packages. qemu-system-x86 and qemu-utils run the VMs; ovmf is the UEFI firmware;
# e2fsprogs, mtools, dosfstools, fdisk build and repair disk images without mounting;
# debootstrap builds the Debian guest; zstd and cpio unpack initramfs images.
# (smartmontools, for SMART figures, is optional and left out: VMs have no real disks.)
pkgs=(qemu-system-x86 qemu-utils ovmf e2fsprogs mtools dosfstools fdisk debootstrap zstd cpio xz-utils ca-certificates)
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The guest packages are fetched with apt-get download, which needs current package lists.
lists_fresh() { find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | grep -q .; }
if [ ${#missing[@]} -gt 0 ] || ! lists_fresh; then
  log "apt-get update"
  as_root apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "installing host packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  log "host packages present"
fi

# Node.js 24 and the dependencies. package.json lists node@24 as a dev dependency, so
# npm puts a Node 24 binary in node_modules/.bin, which `npm test` and `npx` put first
# on PATH.
if [ -f package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
node_bin=node_modules/.bin/node
"$node_bin" -e 'if (+process.versions.node.split(".")[0] < 24) { console.error("Node 24 did not install"); process.exit(1) }'
log "node $("$node_bin" --version) in node_modules/.bin"

# The dashboard that `bootmedic serve` serves at /: built into dist/web/ (Vite, no network).
log "building the dashboard"
"$node_bin" node_modules/vite/bin/vite.js build --config web/vite.config.ts --logLevel warn

# The tiny guest: kernel and busybox from Debian, built into the cache.
"$node_bin" bin/bootmedic.js guest build tiny
log "ready: run 'npx bootmedic run' or 'npm test'"
