// Device-kit entry for mnist-bench (see provide.mjs and build-kit.sh).
import './provide.mjs';
import '../../apps/mnist-bench/src/main.ts';
