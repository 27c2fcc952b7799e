#!/usr/bin/env bash
# Mesa's lavapipe (a software Vulkan driver) for WebGPU in Node on a machine without a GPU:
# Dawn (npm 'webgpu') needs a Vulkan driver newer than Debian 12's Mesa 22 (which lacks
# shaderUniform*ArrayDynamicIndexing), so this fetches mesa-vulkan-drivers from
# bookworm-backports and unpacks it into .cache/lavapipe/ without installing it (the system's
# GL stays as it is). Prints the ICD file to put in VK_ICD_FILENAMES; the Node WebGPU tests
# find it there on their own. Debian 12 (amd64), as root; needs the Debian mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/lavapipe
icd="$PWD/$out/lvp_icd.json"
if [ -f "$icd" ]; then echo "$icd"; exit 0; fi
mkdir -p "$out/lists/partial" "$out/debs"
list="$PWD/$out/backports.list"
echo "deb http://deb.debian.org/debian bookworm-backports main" > "$list"
apt_opts=(-o "Dir::Etc::sourcelist=$list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$PWD/$out/lists" -o "APT::Sandbox::User=root")
apt-get "${apt_opts[@]}" update >&2
(cd "$out/debs" && apt-get "${apt_opts[@]}" download "mesa-vulkan-drivers/bookworm-backports" >&2)
dpkg -x "$out"/debs/mesa-vulkan-drivers_*.deb "$out/root"
lib=$(find "$PWD/$out/root" -name 'libvulkan_lvp.so' | head -1)
[ -n "$lib" ] || { echo "lavapipe.sh: libvulkan_lvp.so not found in the package" >&2; exit 1; }
missing=$(ldd "$lib" | grep 'not found' || true)
[ -z "$missing" ] || { echo "lavapipe.sh: libraries missing for $lib: $missing" >&2; exit 1; }
printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$lib" > "$icd.tmp"
mv "$icd.tmp" "$icd"
echo "$icd"
