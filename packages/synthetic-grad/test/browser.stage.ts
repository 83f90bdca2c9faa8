// The parallel trainer's test stages in a browser's Web Worker (bundled by tooling/browser-tests as
// /bundles/synthetic-grad__test__browser.stage.js): tfjs's wasm files from the test server, then the same stage
// module as in Node (stage.fixture.mjs, which calls serveStage).
import { setWasmLocation } from '@gradkit/backends';

setWasmLocation('/wasm/');
// @ts-expect-error -- a JavaScript module (the Node stage fixture) without type declarations
await import('./stage.fixture.mjs');
