// Prints one line, GRADKIT_BACKEND_REPORT=<json>, with @gradkit/backends' availableBackends() report.
const path = require('node:path');
const { availableBackends } = require(path.resolve(__dirname, '..', '..', 'packages', 'backends', 'dist', 'index.cjs'));

availableBackends().then(
  (report) => {
    process.stdout.write(`GRADKIT_BACKEND_REPORT=${JSON.stringify(report)}\n`);
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
