// Dawn (npm "webgpu", ~130 MB) is an optional peer: without it, webgpu is unavailable with a reason that says how
// to add it. Simulated in a child process whose module resolver cannot find "webgpu" (the built package is used,
// as a user's program would load it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@gradkit/test-harness';

const dir = mkdtempSync(join(tmpdir(), 'no-dawn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('webgpu without Dawn installed', () => {
  test('unavailable, naming the optional peer and how to install it', () => {
    const hide = join(dir, 'hide-webgpu.cjs');
    writeFileSync(
      hide,
      `const Module = require('node:module');
const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'webgpu' || request.startsWith('webgpu/')) {
    throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  }
  return original.call(this, request, ...rest);
};`,
    );
    const program = `require('@gradkit/backends').availableBackends().then((all) => console.log(JSON.stringify(all.find((s) => s.name === 'webgpu'))));`;
    const r = spawnSync(process.execPath, ['-r', hide, '-e', program], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, GRADKIT_WEBGPU: 'auto' },
    });
    const status = JSON.parse(r.stdout.trim().split('\n').pop() ?? 'null') as { available: boolean; reason: string };
    expect(status).toMatchObject({
      available: false,
      reason:
        'npm "webgpu" (Dawn\'s Node bindings, ~130 MB) is not installed: it is an optional peer dependency; npm install webgpu@0.6.2 to use WebGPU in Node',
    });
  });
});
