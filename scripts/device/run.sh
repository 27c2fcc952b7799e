#!/usr/bin/env bash
# Runs on the device machine (see prepare.sh): unpacks Node, Dawn and the Vulkan loader from
# .cache/device, then the WebGPU bench on the GPU through Dawn/Vulkan: our webgpu mode with and
# without the tiled WGSL products against tfjs-webgpu on the same GPU, small and c3d presets.
# Results go to $OUT (or .cache/device/out). Python's lzma unpacks (the image may lack xz).
# DEVICE_SIM=lavapipe runs the same steps locally on software Vulkan, to check .cache/device is self-contained.
set -uo pipefail
cd "$(dirname "$0")/../.."
dev=.cache/device
out=${OUT:-$dev/out}
mkdir -p "$out" /tmp/plm-node
python3 - "$dev" <<'PY'
import lzma, os, shutil, sys
dev = sys.argv[1]
for src, dst in [(f"{dev}/node.xz", "/tmp/plm-node/node"), (f"{dev}/node_modules/webgpu/dist/linux-x64/dawn.node.xz", f"{dev}/node_modules/webgpu/dist/linux-x64/dawn.node")]:
    with lzma.open(src) as f, open(dst, "wb") as g:
        shutil.copyfileobj(f, g)
os.chmod("/tmp/plm-node/node", 0o755)
PY
if [ "${DEVICE_SIM:-}" = lavapipe ]; then
  export VK_ICD_FILENAMES=$PWD/.cache/lavapipe/lvp_icd.json
else
  for f in "$dev"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$out/gpu.txt"
fi
export XDG_RUNTIME_DIR=/tmp
node=/tmp/plm-node/node
$node --version
cd "$dev"
status=0
for preset in ${DEVICE_PRESETS:-small c3d}; do
  echo "== preset $preset"
  $node --expose-gc bench.mjs --preset "$preset" --reps 5 --warmup 2 --out "$out/webgpu-node-$preset.json" 2>&1 \
    | grep -v 'XDG_RUNTIME_DIR\|artificially reduced' | tee "$out/webgpu-node-$preset.log" || status=1
done
exit $status
