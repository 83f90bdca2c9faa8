#!/usr/bin/env bash
# Runs the packages' test suites against another TensorFlow.js 4.x release, to learn which releases the peer
# range (@tensorflow/tfjs-core ^4.x) can honestly claim. Works on a fresh clone in a temporary folder (this
# checkout is left alone): pnpm overrides pin every @tensorflow/* package to VERSION, then build and test on the
# given backends (default cpu,wasm).
#   tooling/scripts/tfjs-compat.sh 4.20.0 [backends]
# Prints the per-package totals and ends with the summed "N passed, N failed" line; exits non-zero on failures.
set -euo pipefail
version=${1:?usage: tfjs-compat.sh VERSION [backends]}
backends=${2:-cpu,wasm}
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$here" "$work/repo"
cd "$work/repo"
node -e "
const fs = require('fs');
const p = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const names = ['tfjs', 'tfjs-core', 'tfjs-layers', 'tfjs-backend-cpu', 'tfjs-backend-wasm', 'tfjs-backend-webgpu'];
p.pnpm = { ...(p.pnpm ?? {}), overrides: Object.fromEntries(names.map((n) => ['@tensorflow/' + n, '$version'])) };
fs.writeFileSync('package.json', JSON.stringify(p, null, 2) + '\n');
"
npx -y pnpm@10.18.0 install --no-frozen-lockfile --reporter=silent
installed=$(node -p "require(require.resolve('@tensorflow/tfjs-core/package.json', { paths: ['packages/core'] })).version")
echo "@tensorflow/tfjs-core in this clone: $installed"
[ "$installed" = "$version" ] || { echo "expected $version"; exit 2; }
npx turbo run build --output-logs=errors-only --filter='./packages/*'
GRADKIT_BACKENDS=$backends npx turbo run test --continue --concurrency=1 --filter='./packages/*' --output-logs=errors-only || true
passed=0
failed=0
for f in packages/*/.test-results/jest.json; do
  p=$(node -p "require('./$f').passed")
  q=$(node -p "require('./$f').failed")
  echo "  $(dirname "$(dirname "$f")"): $p passed, $q failed"
  passed=$((passed + p))
  failed=$((failed + q))
done
echo "tfjs $version, backends $backends:"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
