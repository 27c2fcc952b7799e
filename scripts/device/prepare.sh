#!/usr/bin/env bash
# Packs what the GPU bench needs on a GPU machine without Node (e.g. an NVIDIA H200 with CUDA and
# Python but no Node, no browser and no network) into .cache/device/:
#   node.xz      this machine's Node binary, xz-compressed (the device has no Node)
#   bench.mjs    bench/webgpu-node.ts bundled with plm-ipe, gpu.js and TensorFlow.js (+ tfjs-webgpu)
#   node_modules/webgpu/  Dawn for Node, linux-x64 only (dawn.node.xz)
#   debs/        the Vulkan loader (libvulkan1); the NVIDIA driver's ICD is already on the device
# Then copy the working tree with .cache/device/ to the GPU machine and run bash scripts/device/run.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.cache/device
rm -rf "$out" && mkdir -p "$out/node_modules/webgpu/dist/linux-x64" "$out/debs"
xz -T2 -6 -c "$(command -v node)" > "$out/node.xz"
npx esbuild bench/webgpu-node.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --external:gl --outfile="$out/bench.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$out/node_modules/webgpu/"
xz -T2 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$out/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
# A private package list (as scripts/lavapipe.sh does), so the system's apt state is untouched.
lists=$PWD/.cache/device-apt
mkdir -p "$lists/lists/partial"
echo "deb http://deb.debian.org/debian bookworm main" > "$lists/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$lists/sources.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$lists/lists" -o "APT::Sandbox::User=root")
apt-get "${apt_opts[@]}" update >/dev/null
(cd "$out/debs" && apt-get "${apt_opts[@]}" download libvulkan1 >/dev/null)
du -sh "$out" "$out"/* | sed 's/^/prepare: /'
