// CLIP on captioned digits: a short training run must beat chance by a stated margin, `speclin
// clip --json` has the documented shape, the report draws the search results, and bad input is a
// usage error. The PNG thumbnails decode to the pixels they were given.
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { describes } from '../src/data/captions.js';
import { loadMnist } from '../src/data/mnist.js';
import { CAPTION_DEFAULTS, captionHyperParameters, runCaptionExperiment } from '../src/train/caption-experiment.js';
import { crc32, grayscalePng } from '../src/report/thumbnails.js';
import { UsageError } from '../src/cli/args.js';
import { cli } from './helpers/cli.js';
import { testNeeding } from './helpers/requirements.js';

const gpuTest = testNeeding('webgpu');

test('a short caption run beats chance on held-out images by a wide margin', async (t) => {
  const digits = await loadMnist({ n: 2000, seed: 3 });
  const r = await runCaptionExperiment({
    digits, k: 16, encoder: 'linear', mode: 'minibatch', hyper: { steps: 150, batchSize: 256, lr: 3e-3, optimizer: 'adam' }, seed: 2,
    pixelComponents: 0,
  });
  t.is(r.keptVariance, 1, 'the raw pixels');
  t.is(r.testImages.length, 400);
  t.is(r.trainImages.length + r.testImages.length, 2000);
  // Chance for text-to-image precision: the mean fraction of held-out images a caption describes
  // (what a random ranking's precision@10 averages to).
  const test = Array.from(r.testImages, (i) => r.captioned.attributes[i]);
  let chance = 0;
  let counted = 0;
  for (const c of r.captioned.seenCaptions) {
    const answers = test.filter((a) => describes(r.captioned.captions[c].spec, a)).length;
    if (answers === 0) continue;
    // A random ranking puts 10 R / N answers in the top 10, of min(10, R) possible.
    chance += (10 * answers) / test.length / Math.min(10, answers);
    counted++;
  }
  chance /= counted;
  t.log(`held-out precision@10 ${r.heldOut.textToImage.precisionAtK.toFixed(3)} (chance ${chance.toFixed(3)}), zero-shot ${r.heldOut.zeroShotAccuracy.toFixed(3)}, probe ${r.pixelProbeAccuracy.toFixed(3)}`);
  // Margins: measured precision@10 0.32 (chance 0.03) and zero-shot 0.68 after 150 steps on 1 600
  // images; the bounds (3x chance, 5x chance) leave room for seeds and kernels while still failing
  // towers that learned nothing.
  t.true(r.heldOut.zeroShotAccuracy >= 0.5, `zero-shot ${r.heldOut.zeroShotAccuracy}`);
  t.true(r.heldOut.textToImage.precisionAtK >= 3 * chance, `precision@10 ${r.heldOut.textToImage.precisionAtK} vs chance ${chance}`);
  t.true(r.unseen.precisionAtK >= 2 * chance, `unseen precision@10 ${r.unseen.precisionAtK}`);
  t.true(r.heldOut.imageToTextRecallAt1 >= 0.3);
  // The optimum's in-sample figures exist and are at least as good as chance.
  t.true(r.inSample.optimum.zeroShotAccuracy > 0.9, 'the optimum separates the digits (10 components, σ = 1)');
  t.is(r.gallery.length, 6);
  for (const g of r.gallery) t.is(g.images.length, 8);
});

test('runCaptionExperiment without options runs speclin clip\'s measured defaults', async (t) => {
  const digits = await loadMnist({ n: 1000, seed: 4 });
  // Only the schedule is shortened (the default is 4000 steps); everything else is the default.
  const hyper = { steps: 2, batchSize: 64, lr: 3e-3, optimizer: 'adam' as const };
  const r = await runCaptionExperiment({ digits, hyper });
  t.deepEqual(r.settings, {
    k: 64, encoder: 'mlp', mode: 'minibatch', hyper, seed: 1, pixelComponents: 64,
    textEncoder: 'linear', textBag: 'mean', normalizeImages: true, normalizeTexts: false,
  });
  t.deepEqual(captionHyperParameters('minibatch'), { steps: 4000, batchSize: 512, lr: 3e-3, optimizer: 'adam' });
  t.is(r.settings.k, CAPTION_DEFAULTS.k);
  t.true(r.keptVariance > 0 && r.keptVariance < 1, `64 principal components keep part of the variance: ${r.keptVariance}`);
  t.is(r.twoTower.singularValues.length, 64);
});

test('runCaptionExperiment: bad options are clear errors before any training', async (t) => {
  const digits = await loadMnist({ n: 500, seed: 1 });
  const base = { digits, k: 8, encoder: 'linear' as const, mode: 'minibatch' as const, hyper: { steps: 1, batchSize: 16, lr: 1e-3, optimizer: 'adam' as const }, seed: 1 };
  await t.throwsAsync(runCaptionExperiment({ ...base, encoder: 'table' as unknown as 'linear' }), { instanceOf: RangeError, message: /encoder must be 'linear' or 'mlp'/ });
  await t.throwsAsync(runCaptionExperiment({ ...base, k: 2.5 }), { instanceOf: RangeError, message: /k must be a positive integer/ });
  await t.throwsAsync(runCaptionExperiment({ ...base, k: 5000 }), { instanceOf: RangeError, message: /k = 5000 exceeds min\(training images, training captions\)/ });
  await t.throwsAsync(runCaptionExperiment({ ...base, heldOut: 1 }), { instanceOf: RangeError, message: /heldOut must be a fraction/ });
  await t.throwsAsync(runCaptionExperiment({ ...base, pixelComponents: -1 }), { instanceOf: RangeError, message: /pixelComponents must be/ });
  await t.throwsAsync(runCaptionExperiment({ ...base, galleryQueries: ['a green seven'] }), { instanceOf: RangeError, message: /outside the vocabulary: green/ });
  await t.throwsAsync(runCaptionExperiment({ ...base, digits: {} as typeof digits }), { instanceOf: TypeError });
});

test('grayscalePng: a valid PNG whose inflated scanlines are the (scaled, inverted) pixels', (t) => {
  // The standard CRC-32 check value.
  t.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  const png = grayscalePng([0, 0.5, 1, 0.25], 2, 2, { scale: 2, invert: true });
  t.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  t.is(png.toString('ascii', 12, 16), 'IHDR');
  t.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]], [4, 4, 8, 0]);
  // Chunk CRCs cover type and data.
  t.is(png.readUInt32BE(29), crc32(png.subarray(12, 29)));
  const idatLength = png.readUInt32BE(33);
  t.is(png.toString('ascii', 37, 41), 'IDAT');
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  const row = (a: number, b: number) => [0, a, a, b, b];
  t.deepEqual([...raw], [...row(255, 128), ...row(255, 128), ...row(0, 191), ...row(0, 191)]);
  t.throws(() => grayscalePng([1, 2, 3], 2, 2), { instanceOf: RangeError, message: /rows \* cols = 4/ });
});

test('speclin clip --json (captions): the documented figures, and a report with thumbnails', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-clip-captions-'));
  const out = path.join(dir, 'r.html');
  const r = await cli('clip', '--json', '--n', '1000', '-k', '16', '--encoder', 'linear', '--steps', '60', '--query', 'a bold 7', '--out', out);
  t.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.is(lines.length, 1);
  const s = JSON.parse(lines[0]);
  for (const key of ['precisionAt10', 'mAP', 'unseenPrecisionAt10', 'imageToTextRecallAt1', 'zeroShotAccuracy', 'pixelProbeAccuracy']) {
    t.is(typeof s[key], 'number', key);
    t.true(s[key] >= 0 && s[key] <= 1, key);
  }
  for (const side of ['learned', 'optimum']) for (const key of ['precisionAt10', 'mAP', 'imageToTextRecallAt1', 'zeroShotAccuracy']) t.is(typeof s.inSample[side][key], 'number');
  t.is(s.pairs, 'captions');
  t.is(s.images + s.heldOutImages, 1000);
  t.is(s.encoder, 'linear');
  t.is(s.pixelComponents, 64);
  // A linear tower is not normalized (that would make it nonlinear); mlp towers default to 'images'.
  t.is(s.normalize, 'none');
  t.is(s.textBag, 'mean');
  t.is(s.textEncoder, 'linear');
  t.true(s.keptVariance > 0.5 && s.keptVariance < 1, `kept variance ${s.keptVariance}`);
  t.is(typeof s.targets.inSamplePrecisionRatio, 'number');
  t.is(s.report, out);
  const html = readFileSync(out, 'utf8');
  t.true(existsSync(out));
  t.true(html.includes('<h2>Search</h2>'));
  t.true((html.match(/<img src="data:image\/png;base64,/g) ?? []).length >= 8);
  t.true(html.includes('a bold 7'));
});

const bad: [string, string[], RegExp][] = [
  ['a table encoder', ['--encoder', 'table'], /--encoder table cannot embed/],
  ['an unknown kind of pairs', ['--pairs', 'audio'], /--pairs must be one of captions, knn/],
  ['--pairs with --graph', ['--pairs', 'knn', '--graph', 'p.mtx'], /exclusive/],
  ['--m with the captions', ['--m', '5'], /--m is for --graph or --pairs knn/],
  ['--query with knn pairs', ['--pairs', 'knn', '--query', 'a seven'], /--query searches the captions/],
  ['too few digits', ['--n', '100'], /--n must be an integer >= 500/],
  ['--pixel-components with knn pairs', ['--pairs', 'knn', '--pixel-components', '32'], /--pixel-components is for the captions/],
  ['too many pixel components', ['--pixel-components', '785'], /--pixel-components must be an integer >= 0 <= 784/],
  ['--normalize with knn pairs', ['--pairs', 'knn', '--normalize', 'images'], /--normalize is for the captions/],
  ['--normalize with linear towers', ['--encoder', 'linear', '--normalize', 'both'], /--normalize is for the mlp towers/],
  ['an unknown --normalize', ['--normalize', 'captions'], /--normalize must be one of images, texts, both, none/],
  ['an unknown --text-bag', ['--text-bag', 'max'], /--text-bag must be one of mean, sum/],
  ['--text-bag with knn pairs', ['--pairs', 'knn', '--text-bag', 'mean'], /--text-bag is for the captions/],
  ['an unknown --text-encoder', ['--text-encoder', 'table'], /--text-encoder must be one of linear, mlp/],
  ['a normalized linear text tower', ['--normalize', 'both'], /--normalize both needs --text-encoder mlp/],
];
for (const [name, args, message] of bad) {
  test(`clip (captions): bad arguments are a UsageError: ${name}`, async (t) => {
    const mod = await import('../src/commands/clip.js');
    const err = await t.throwsAsync(mod.run(args), { instanceOf: UsageError, message });
    t.regex(err!.usage, /^usage: speclin clip/);
  });
}

test('clip -k above the captions: exit 2 naming the bound', async (t) => {
  const r = await cli('clip', '--n', '500', '-k', '1000', '--encoder', 'linear', '--steps', '5', '--out', path.join(mkdtempSync(path.join(tmpdir(), 'speclin-clip-k-')), 'r.html'));
  t.is(r.status, 2, r.stderr);
  t.regex(r.stderr, /-k: k = 1000 exceeds min\(training images, training captions\) = \d+/);
});

test('clip --query with a word the captions never use: exit 2 naming the word', async (t) => {
  const r = await cli('clip', '--n', '500', '-k', '8', '--encoder', 'linear', '--steps', '5', '--query', 'a purple seven', '--out', path.join(mkdtempSync(path.join(tmpdir(), 'speclin-clip-q-')), 'r.html'));
  t.is(r.status, 2, r.stderr);
  t.regex(r.stderr, /--query: 'a purple seven' has words outside the vocabulary: purple/);
  t.regex(r.stderr, /usage: speclin clip/);
});

gpuTest('clip --backend webgpu (captions): training\'s losses on the GPU, the search figures as on the CPU', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-clip-captions-gpu-'));
  const r = await cli('clip', '--backend', 'webgpu', '--json', '--n', '1000', '-k', '16', '--steps', '50', '--out', path.join(dir, 'r.html'));
  t.is(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  t.is(s.backend, 'webgpu');
  t.deepEqual(s.gpuParts, ['minibatch spectralLoss and its gradients', 'scheduled population-loss evaluations (all but the final one)']);
  for (const key of ['precisionAt10', 'mAP', 'unseenPrecisionAt10', 'imageToTextRecallAt1', 'zeroShotAccuracy']) t.true(s[key] >= 0 && s[key] <= 1, key);
  // 50 steps on 800 images already classify far above chance (0.1): the GPU's gradients train.
  t.true(s.zeroShotAccuracy > 0.4, `zero-shot ${s.zeroShotAccuracy}`);
});
