// Device-kit entry for sequence-bench (see provide.mjs and build-kit.sh).
import './provide.mjs';
import '../../apps/sequence-bench/src/main.ts';
