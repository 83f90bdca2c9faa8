import { unavailableProvider } from './provider';

/** Why `webgl` is unavailable in Node (the browser build has the real provider: webgl.browser.ts). */
export const WEBGL_IN_NODE =
  "WebGL needs a browser: Node has none (tfjs's webgl backend would need a headless GL context, which gradkit does not set up)";

/** WebGL in Node: always unavailable. */
export const webglProvider = unavailableProvider('webgl', 'webgl', WEBGL_IN_NODE);
