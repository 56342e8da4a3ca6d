// The one WebGPU device of a test file (an adapter gives one device, and Dawn polls on the main
// thread until it is destroyed). With no adapter the file gets one clear failing test, never a
// skip: CI installs lavapipe, so there it means a broken setup.
import test from 'ava';
import { createWebGpuBackend, type WebGpuBackend } from '../../src/index.js';

export async function openTestBackend(): Promise<WebGpuBackend | undefined> {
  let backend: WebGpuBackend | undefined;
  let openError: unknown;
  try {
    backend = await createWebGpuBackend();
  } catch (err) {
    openError = err;
  }
  test.after.always(() => backend?.dispose());
  if (!backend) {
    test('a WebGPU adapter is available', (t) => {
      t.fail(`createWebGpuBackend() failed: ${(openError as Error)?.message ?? String(openError)}${process.env.CI ? ' (CI)' : ''}`);
    });
  }
  return backend;
}
