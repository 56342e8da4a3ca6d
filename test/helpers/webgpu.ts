// The one WebGPU device of a test file (an adapter gives one device, and Dawn polls on the main
// thread until it is destroyed). Where the machine has no adapter, the file's tests are skipped
// with a line naming what to install (helpers/requirements.ts), or fail under CI /
// SPECLIN_REQUIRE_ALL. An adapter that the probe found but that then fails to open is a failure.
import test from 'ava';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/index.js';
import { missing, skipFileFor } from './requirements.js';

export async function openTestBackend(): Promise<WebGpuBackend | undefined> {
  const absent = missing('webgpu');
  if (absent !== undefined) {
    skipFileFor('webgpu', absent, 'the WebGPU tests of this file');
    return undefined;
  }
  let backend: WebGpuBackend | undefined;
  let openError: unknown;
  try {
    backend = await createWebGpuBackend();
  } catch (err) {
    openError = err;
  }
  test.after.always(() => backend?.dispose());
  if (!backend) {
    test('a WebGPU adapter opens', (t) => {
      t.fail(`createWebGpuBackend() failed: ${(openError as Error)?.message ?? String(openError)}`);
    });
  }
  return backend;
}
