// Where registerGradients() gets tfjs-core's gradient configs in Node: a bundle generated from tfjs-core's own
// ES-module sources (scripts/generate-gradient-bundle.mjs), since tfjs-core's Node build registers none and its
// sources cannot be loaded by Node directly. Browser builds use tfjsGradients.browser.ts instead.
export { gradConfigs } from '../generated/tfjs-gradients.js';
