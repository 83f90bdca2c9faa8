// How gradkit's browser tests start Chromium: Debian's /usr/bin/chromium (or GRADKIT_CHROMIUM), with the flags that
// make webgl and webgpu work on SwiftShader (platform-notes.md: webgpu needs all four of the first, or dataSync() of
// a GPU result reads zeros). Used by run.mjs and by consumer-tests' page test.
exports.CHROMIUM = process.env.GRADKIT_CHROMIUM ?? '/usr/bin/chromium';
exports.FLAGS = [
  '--enable-unsafe-webgpu',
  '--use-angle=swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
