#!/usr/bin/env bash
# One prepared run for a lent GPU machine (one NVIDIA H100/H200, no Node, no network), which also
# runs here on the software adapter so that CI keeps it working. docs/device.md has the `run` call.
#   bench/device.sh [--quick] [--out DIR] [--allow-software] [--budget SECONDS] [--only a,b,...]
# 1. setup: unpacks what bench/device-prepare.sh put in .device/ when it is there (Node, node_modules
#    when ./node_modules is absent, the Vulkan loader), sets the NVIDIA Vulkan ICD when the driver's
#    files are there; without .device/ (CI, a dev machine) it uses the system node and ./node_modules.
# 2. steps, each timed, its log kept, its exit status recorded; a failing step does not stop the rest:
#    info        bench/device_info.ts: the adapter at core level and the engine's kind; fails when it
#                is software unless --allow-software (then the other steps are skipped, and every
#                step runs with INOCULUM_ADAPTER=hardware so none falls back to the software adapter)
#    tests       vitest run the kernel parity tests (tests/<kernel>.test.ts, wgsl, webgpu_*)
#    peak        npm run bench -- peak --json        the adapter's fma and copy ceilings (bench/peak.ts;
#                sizes grow until a dispatch takes 10 ms), the denominators of matmul_pct_of_peak_fma
#    matmul      npm run bench -- matmul --json      (--quick: bench/device_bench.ts matmul, the quick set)
#    attention   npm run bench -- attention --json   (--quick: bench/device_bench.ts attention)
#    train_step  bench/train_step.ts --backend webgpu --config base --json   (--quick: --steps 2)
#    finetune_step  the same with --config finetune: the experiment's fine-tune step (its dispatches)
#    example     examples/spanish-caps.ts --backend webgpu with a fresh (cold) cache   (--quick: --quick)
# 3. writes ONE JSON, rewritten after every step: DIR/device.json, DIR = --out, else $OUT when set,
#    else runs/device. Logs go to DIR/logs/; when DIR is $OUT they are packed into DIR/logs.tgz at the
#    end (the device tool brings back at most 8 files). Exit status 1 if any step failed.
# --budget S: finish within S seconds of the start: each step's limit is cut to what is left (less a
#    reserve for the report); a step with under 10 s left is skipped and recorded as such.
# --only: run only the named steps (after setup), e.g. a rerun of one step on a warm machine.
# Tools are called as node_modules/.bin/* (the carried Node has no npm/npx); `npm run bench -- X`
# is `tsx bench/run.ts X`.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=0 ALLOW_SW=0 OUTDIR="" BUDGET="" ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --allow-software) ALLOW_SW=1 ;;
    --out) OUTDIR=${2:?--out needs a directory}; shift ;;
    --budget) BUDGET=${2:?--budget needs seconds}; shift ;;
    --only) ONLY=${2:?--only needs step names}; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "device.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
START_S=$(date +%s)
[ -n "$BUDGET" ] && DEADLINE=$((START_S + BUDGET))
RESERVE=20
PACK=0
if [ -z "$OUTDIR" ]; then
  if [ -n "${OUT:-}" ]; then OUTDIR=$OUT; PACK=1; else OUTDIR=runs/device; fi
fi
mkdir -p "$OUTDIR"; OUTDIR=$(cd "$OUTDIR" && pwd)
LOGS=$OUTDIR/logs
rm -rf "$LOGS" "$OUTDIR/logs.tgz"; mkdir -p "$LOGS"
STEPS=$LOGS/.steps.tsv; : > "$STEPS"
WORK=${DEVICE_WORK:-$ROOT/runs/device-work}       # the example's --out and --cache (not brought back)
CARRIED=${INOCULUM_DEVICE_DIR:-$ROOT/.device}
RT=${TMPDIR:-/tmp}/inoculum-device                 # where carried archives are unpacked
export NO_COLOR=1 FORCE_COLOR=0 CI=${CI:-1}
SETUP=$LOGS/setup.log
say() { echo "device: $*" | tee -a "$SETUP"; }

# ---- 1. setup -------------------------------------------------------------------------------------
untar() {  # archive dir: tar -xJf, or Python's tarfile where xz is missing
  mkdir -p "$2"
  if command -v xz >/dev/null; then tar -xJf "$1" -C "$2"
  else python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; fi
}
NODE_FROM=system MODULES_FROM=./node_modules VULKAN=system
if [ -s "$CARRIED/node.tar.xz" ]; then
  t0=$(date +%s.%N)
  rm -rf "$RT/node"; untar "$CARRIED/node.tar.xz" "$RT" >>"$SETUP" 2>&1 && NODE_FROM="carried ($CARRIED/node.tar.xz)"
  export PATH=$RT/node/bin:$PATH
  say "node from $CARRIED/node.tar.xz ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s to unpack)"
fi
if [ ! -d node_modules ] && [ -s "$CARRIED/modules.tar.xz" ]; then
  t0=$(date +%s.%N)
  untar "$CARRIED/modules.tar.xz" "$ROOT" >>"$SETUP" 2>&1 && MODULES_FROM="carried ($CARRIED/modules.tar.xz)"
  say "node_modules from $CARRIED/modules.tar.xz ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s to unpack)"
fi
if ls "$CARRIED"/gl/*.deb >/dev/null 2>&1; then
  if ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
    VULKAN="system (carried .debs not needed)"
  elif [ "$(id -u)" = 0 ] && [ -d /usr/local/nvidia ] && command -v dpkg >/dev/null; then
    # the lent machine: the device README's recipe, unpacked over /
    for f in "$CARRIED"/gl/*.deb; do dpkg -x "$f" / >>"$SETUP" 2>&1; done; ldconfig
    VULKAN="carried (dpkg -x to /)"
  else
    # anywhere else: a private root on LD_LIBRARY_PATH, / untouched
    for f in "$CARRIED"/gl/*.deb; do dpkg -x "$f" "$RT/sysroot" >>"$SETUP" 2>&1; done
    export LD_LIBRARY_PATH=$RT/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    VULKAN="carried (dpkg -x to $RT/sysroot, on LD_LIBRARY_PATH)"
  fi
  say "Vulkan loader: $VULKAN"
elif ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  VULKAN=none
fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; say "NVIDIA Vulkan ICD: $icd"; break; fi
done
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
[ $ALLOW_SW = 0 ] && export INOCULUM_ADAPTER=hardware
NVSMI=""
command -v nvidia-smi >/dev/null && NVSMI=$(nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1 | head -4 | paste -sd';')
command -v node >/dev/null || { say "no node: neither carried ($CARRIED/node.tar.xz) nor on PATH"; exit 1; }
[ -x node_modules/.bin/tsx ] || { say "no node_modules/.bin/tsx: run npm ci, or carry .device (bench/device-prepare.sh)"; exit 1; }
say "node $(node --version) at $(command -v node); modules: $MODULES_FROM; GPU: ${NVSMI:-none (no nvidia-smi)}"

export DEVICE_MODE=$([ $QUICK = 1 ] && echo quick || echo full) DEVICE_START_S=$START_S
export DEVICE_STARTED=$(date -u -d "@$START_S" +%FT%TZ) DEVICE_BUDGET=$BUDGET DEVICE_FINISHED=0
export DEVICE_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || true)
[ -n "$DEVICE_COMMIT" ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && DEVICE_COMMIT="$DEVICE_COMMIT (+ uncommitted changes)"
export DEVICE_UNAME=$(uname -srm) DEVICE_CPUS=$(nproc) DEVICE_NVSMI=$NVSMI
export DEVICE_NODE_FROM=$NODE_FROM DEVICE_MODULES_FROM=$MODULES_FROM DEVICE_VULKAN=$VULKAN
export DEVICE_EXAMPLE_DIR=$WORK/example
report() { node bench/device_report.mjs "$STEPS" "$LOGS" "$OUTDIR/device.json" 2>>"$SETUP" || say "report failed (see $SETUP)"; }

# ---- 2. steps -------------------------------------------------------------------------------------
FAILED=()
SKIP_ALL=""
run_step() {  # name limit_s command...
  local name=$1 limit=$2; shift 2
  if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$name,"* ]]; then return 0; fi
  local why=$SKIP_ALL
  if [ -z "$why" ] && [ -n "$BUDGET" ]; then
    local left=$((DEADLINE - $(date +%s) - RESERVE))
    [ "$left" -lt "$limit" ] && limit=$left
    [ "$limit" -lt 10 ] && why="budget spent (--budget $BUDGET)"
  fi
  if [ -n "$why" ]; then
    say "[$name] skipped: $why"
    printf '%s\tskipped\t0\t0\t%s\n' "$name" "$why" >> "$STEPS"; FAILED+=("$name"); report; return 0
  fi
  say "[$name] $* (limit ${limit}s)"
  local t0 t1 rc
  t0=$(date +%s.%N)
  timeout -k 10 "$limit" "$@" >"$LOGS/$name.log" 2>&1; rc=$?
  t1=$(date +%s.%N)
  local wall; wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rc" "$wall" "$limit" "$*" >> "$STEPS"
  if [ "$rc" -eq 0 ]; then say "[$name] ok, ${wall}s"
  else say "[$name] FAILED rc=$rc$([ "$rc" -eq 124 ] && echo ' (timed out)'), ${wall}s; log: $LOGS/$name.log"; FAILED+=("$name"); fi
  report
  return 0
}
TSX=node_modules/.bin/tsx
if [ $QUICK = 1 ]; then
  BENCH_MATMUL=($TSX bench/device_bench.ts matmul) BENCH_ATTN=($TSX bench/device_bench.ts attention)
  BENCH_PEAK=($TSX bench/device_bench.ts peak)
  TRAIN_STEPS=(--steps 2) EXAMPLE_ARGS=(--quick)
  TESTS=(tests/{matmul,attention,peak,wgsl}.test.ts tests/webgpu_*.test.ts) # CI ran them all already
else
  BENCH_MATMUL=($TSX bench/run.ts matmul --json) BENCH_ATTN=($TSX bench/run.ts attention --json)
  BENCH_PEAK=($TSX bench/run.ts peak --json)
  TRAIN_STEPS=() EXAMPLE_ARGS=()
  # every kernel's parity tests (tests/<kernel>.test.ts, README's kernel map) and the runtime's
  TESTS=(tests/{matmul,attention,layernorm,softmax,crossentropy,embedding,dropout,adamw,reduce,elementwise,peak,wgsl}.test.ts tests/webgpu_*.test.ts)
fi

run_step info 120 $TSX bench/device_info.ts $([ $ALLOW_SW = 1 ] && echo --allow-software)
[[ " ${FAILED[*]:-} " == *" info "* ]] && SKIP_ALL="the adapter check failed (see logs/info.log)"
run_step tests 300 node_modules/.bin/vitest run "${TESTS[@]}"
run_step peak 120 "${BENCH_PEAK[@]}"
run_step matmul 300 "${BENCH_MATMUL[@]}"
run_step attention 180 "${BENCH_ATTN[@]}"
run_step train_step 300 $TSX bench/train_step.ts --backend webgpu --config base --json "${TRAIN_STEPS[@]}"
run_step finetune_step 300 $TSX bench/train_step.ts --backend webgpu --config finetune --json "${TRAIN_STEPS[@]}"
rm -rf "$WORK/example" "$WORK/cache"; mkdir -p "$WORK"
run_step example 600 $TSX examples/spanish-caps.ts --backend webgpu --out "$WORK/example" --cache "$WORK/cache" "${EXAMPLE_ARGS[@]}"

# ---- 3. the report --------------------------------------------------------------------------------
export DEVICE_FINISHED=1; report
[ -f "$WORK/example/results.json" ] && cp "$WORK/example/results.json" "$LOGS/example-results.json"
if [ $PACK = 1 ]; then
  tar -czf "$OUTDIR/logs.tgz" -C "$OUTDIR" logs && rm -rf "$LOGS"
  echo "device: wrote $OUTDIR/device.json and $OUTDIR/logs.tgz"
else
  echo "device: wrote $OUTDIR/device.json (logs in $LOGS)"
fi
if [ ${#FAILED[@]} -gt 0 ]; then echo "device: failed: ${FAILED[*]}"; exit 1; fi
echo "device: every step passed in $(( $(date +%s) - START_S )) s"
