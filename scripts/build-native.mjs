// Builds the native addon: cmake-js where cmake is available (the build users get), node-gyp
// (binding.gyp, the same sources) otherwise or when asked with --gyp. Run by `npm install`.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));

function run(cmd, argv) {
  console.error(`speclin: ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit' });
  if (r.error) return false;
  return r.status === 0;
}

function has(cmd) {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

function buildWithCmake() {
  const cli = require.resolve('cmake-js/bin/cmake-js');
  const parallel = process.env.CMAKE_BUILD_PARALLEL_LEVEL ?? '2';
  process.env.CMAKE_BUILD_PARALLEL_LEVEL = parallel;
  const argv = [cli, args.has('--force') ? 'rebuild' : 'compile', '--log-level', 'warn'];
  // --sanitize: the ASan+UBSan build, in its own folder so that the normal build stays; with
  // clang where there is one (CMakeLists.txt says why), else with the default compiler.
  if (args.has('--sanitize')) {
    argv.push('--out', 'build-asan', '--CDSPECLIN_SANITIZE=ON');
    const clang = process.env.SPECLIN_SANITIZE_CXX ?? ['clang++', 'clang++-14'].find(has);
    if (clang) argv.push(`--CDCMAKE_CXX_COMPILER=${clang}`);
  }
  return run(process.execPath, argv);
}

function buildWithGyp() {
  // npm exposes its bundled node-gyp to scripts as npm_config_node_gyp. Run directly (as .ci/run
  // does), look for npm's bundled copy next to this node, then for one on PATH.
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const bundled = candidates.find((f) => f && existsSync(f));
  // Node's own headers ship with it (<prefix>/include/node): use them rather than letting
  // node-gyp download them, which fails offline.
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const argv = ['rebuild', '-j', '2'];
  if (existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))) argv.push(`--nodedir=${prefix}`);
  return bundled ? run(process.execPath, [bundled, ...argv]) : run('node-gyp', argv);
}

const useGyp = args.has('--gyp') || !has('cmake');
if (!useGyp && !has('cmake')) console.error('speclin: cmake not found, building with node-gyp');
const ok = useGyp ? buildWithGyp() : buildWithCmake();
if (!ok) {
  console.error(
    'speclin: the native addon failed to build. It needs a C++17 compiler (g++ or clang++) and\n' +
      'either cmake (preferred) or node-gyp with python3. Install them, then run `npm run build:native`.',
  );
  process.exit(1);
}
