#!/usr/bin/env bash
# The GPU check, on an NVIDIA machine with no network and no Node.js. Needs .gpu-carry/ from
# scripts/gpu/prepare.sh (run where the repository is built), carried next to this script.
#
#   bash scripts/gpu-check.sh OUTDIR [extra options for the check, e.g. --quick or --full]
#
# Unpacks Node.js, the trainer, Dawn and Debian's Vulkan loader into a temp folder, points
# VK_DRIVER_FILES at NVIDIA's ICD file when present, prints the adapter, runs the correctness checks
# and the GPU bench (bench/gpu/check.ts), a short `train` with the real CLI, and writes
# OUTDIR/results.json, OUTDIR/backends.json, OUTDIR/train.jsonl and OUTDIR/log.txt.
# Exit codes: 0 all passed on a GPU backend; 1 a check failed; 2 bad usage or missing carry folder;
# 3 no GPU backend here (e.g. a CPU-only machine: "no WebGPU adapter"), nothing ran on a GPU.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
carry="$root/.gpu-carry"
[ $# -ge 1 ] || { echo "usage: scripts/gpu-check.sh OUTDIR [check options]" >&2; exit 2; }
out="$(mkdir -p "$1" && cd "$1" && pwd)"; shift
[ -f "$carry/node.gz" ] || { echo "$carry is missing: run scripts/gpu/prepare.sh first and carry .gpu-carry" >&2; exit 2; }
log="$out/log.txt"
exec > >(tee "$log") 2>&1

work="$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "== unpacking into $work"
cp -r "$carry/app" "$work/app"
gunzip -c "$carry/node.gz" > "$work/node" && chmod +x "$work/node"
find "$work/app" -name '*.gz' -exec gunzip -f {} +
node="$work/node"
echo "node $("$node" --version) (carried $(cat "$carry/node.version"))"

# Debian's Vulkan loader: dpkg-deb, else ar + tar, else Python (no network, whatever is there).
deb="$(ls "$carry"/deb/libvulkan1_*.deb 2>/dev/null | head -1)"
mkdir -p "$work/vulkan"
if [ -n "$deb" ]; then
  if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$deb" "$work/vulkan"
  elif command -v ar >/dev/null; then (cd "$work/vulkan" && ar x "$deb" && tar -xf data.tar.* )
  elif command -v python3 >/dev/null; then python3 - "$deb" "$work/vulkan" <<'PY'
import io, sys, tarfile
data = open(sys.argv[1], 'rb').read()
pos = 8
while pos < len(data):
    name = data[pos:pos + 16].decode().strip().rstrip('/')
    size = int(data[pos + 48:pos + 58].decode().strip())
    body = data[pos + 60:pos + 60 + size]
    if name.startswith('data.tar'):
        tarfile.open(fileobj=io.BytesIO(body)).extractall(sys.argv[2])
    pos += 60 + size + (size % 2)
PY
  else echo "cannot unpack $deb: no dpkg-deb, ar or python3"; fi
fi
libdir="$(dirname "$(find "$work/vulkan" -name 'libvulkan.so.1' | head -1)" 2>/dev/null)"
if [ -n "$libdir" ] && [ -e "$libdir/libvulkan.so.1" ]; then
  export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "Vulkan loader: $libdir/libvulkan.so.1"
else
  echo "Vulkan loader: not unpacked (the system's, if any, is used)"
fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
done
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-<unset: no NVIDIA ICD file found>}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader

python=python3
if command -v python3 >/dev/null && python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "PyTorch with CUDA: $(python3 -c 'import torch; print(torch.__version__, torch.cuda.get_device_name(0))')"
else
  echo "PyTorch with CUDA: not available (no ratio to PyTorch)"
fi

echo "== backends (dist/trainer.js backends)"
(cd "$work/app" && timeout 120 "$node" dist/trainer.js backends --json > "$out/backends.json"; echo "exit $?")
(cd "$work/app" && timeout 120 "$node" dist/trainer.js backends)

echo "== correctness and bench (gpu-check.js)"
(cd "$work/app" && timeout 1800 "$node" gpu-check.js check --out "$out" --python "$python" "$@")
code=$?

echo "== train with the real CLI (auto backend, 20 steps; must exit on its own)"
(cd "$work/app" && timeout 300 "$node" dist/trainer.js train -t smoke.yaml --json > "$out/train.jsonl"; echo "train exit $? (124 = did not exit: Dawn kept the process alive)")
grep -m1 '"type":"started"' "$out/train.jsonl" | cut -c1-400
tail -n 1 "$out/train.jsonl" | cut -c1-300

echo "== done: exit $code (0 ok, 1 a check failed, 3 no GPU backend); results in $out"
exit $code
