// The native boundary: src/native-addon.ts declares every export of the addon, and nothing else.
// A new export in native/addon/*.cc must be declared there (with its argument and result types)
// before the wrappers can call it; a declared export the addon lacks would fail at its first call.
import test from 'ava';
import { native } from '../src/native.js';
import { nativeExportNames } from '../src/native-addon.js';

test('NativeAddon declares exactly the exports of the loaded addon', (t) => {
  const loaded = Object.keys(native).sort();
  const declared = [...nativeExportNames].sort();
  t.deepEqual(loaded.filter((name) => !declared.includes(name as never)), [], 'exports of the addon that src/native-addon.ts does not declare');
  t.deepEqual(declared.filter((name) => !loaded.includes(name)), [], 'declared in src/native-addon.ts but not exported by the addon');
});

test('every declared export is a function', (t) => {
  const record = native as unknown as Record<string, unknown>;
  for (const name of nativeExportNames) t.is(typeof record[name], 'function', name);
});
