#!/usr/bin/env bash
# Builds .gpu-carry/ (gitignored, < 60 MB): what scripts/gpu-check.sh needs on a GPU machine that
# has no network and no Node.js. Run here, then call the device tool with the command it prints.
#   scripts/gpu/prepare.sh            # builds dist/ (npm run build) and the carry folder
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
carry="$root/.gpu-carry"
cd "$root"

node_bin="$(readlink -f "$(command -v node)")"
[ -d node_modules/webgpu/dist/linux-x64 ] || { echo "node_modules/webgpu is missing: npm install (it is an optional dependency)" >&2; exit 2; }

rm -rf "$carry"
mkdir -p "$carry/app/node_modules/webgpu/dist/linux-x64" "$carry/app/bench/training" "$carry/app/bench/gpu" "$carry/deb"

# 1. Node.js, compressed (gzip: every machine can undo it).
gzip -9 -c "$node_bin" > "$carry/node.gz"
node -p process.version > "$carry/node.version"

# 2. The bundled trainer (dist/trainer.js + dist/wasm) and the check itself, bundled the same way.
node scripts/build.mjs
mkdir -p "$carry/app/dist/wasm"
gzip -9 -c dist/trainer.js > "$carry/app/dist/trainer.js.gz"
cp dist/wasm/*.wasm "$carry/app/dist/wasm/"
# The optional native packages stay external, as in every bundle (scripts/optional-native.json).
externals=$(node -p "require('./scripts/optional-native.json').map((n) => '--external:' + n).join(' ')")
# shellcheck disable=SC2086
npx esbuild bench/gpu/check.ts --bundle --platform=node --format=cjs --target=node20 \
  $externals \
  --log-level=warning --outfile="$carry/app/gpu-check.js.tmp"
gzip -9 -c "$carry/app/gpu-check.js.tmp" > "$carry/app/gpu-check.js.gz" && rm "$carry/app/gpu-check.js.tmp"
# The check bundle looks for dist/wasm next to itself too.
cp -r "$carry/app/dist/wasm" "$carry/app/wasm"
cp bench/training/torch_models.py "$carry/app/bench/training/"
cp bench/gpu/torch_cuda.py "$carry/app/bench/gpu/"

# 3. Dawn: only what Linux x64 needs (index.js + package.json + dawn.node).
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$carry/app/node_modules/webgpu/"
gzip -9 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$carry/app/node_modules/webgpu/dist/linux-x64/dawn.node.gz"

# 4. Debian's Vulkan loader, unpacked on the GPU machine.
(cd "$carry/deb" && apt-get download libvulkan1 >/dev/null 2>&1) || { echo "apt-get download libvulkan1 failed" >&2; exit 1; }

# 5. A small config for an end-to-end `train` on the GPU with the real CLI.
cp scripts/gpu/smoke.yaml "$carry/app/smoke.yaml"

size_mb=$(du -sm "$carry" | cut -f1)
echo "carry folder: $carry (${size_mb} MB)"
[ "$size_mb" -lt 62 ] || { echo "carry folder too large for the device tool (64 MiB)" >&2; exit 1; }
cat <<MSG
Device tool call (one short run; leave time to rerun):
  run(command="bash scripts/gpu-check.sh \$OUT/gpu-check --quick", carry=[".gpu-carry"], timeout_s=540)
  (drop --quick for 6-step correctness and 30-step bench figures when more device time is left)
MSG
