// The generated captions: the pixel measures against hand-computed values on handmade images and
// against numpy on random ones, the tertile cuts, the caption set and its pairs; the tokenizer.
import test from 'ava';
import {
  allCaptions, attributeCuts, captionDigits, captionText, describes, INK_THRESHOLD, levelOf, measureDigit, quantile,
  DEFAULT_UNSEEN, statesCombination,
} from '../src/data/captions.js';
import { tokenize, Vocabulary } from '../src/data/tokenizer.js';
import { uniform } from '../src/random.js';
import { python } from './helpers/python.js';
import { testNeeding } from './helpers/requirements.js';

const pyTest = testNeeding('python');
const S = 28;

function blank(): Float32Array {
  return new Float32Array(S * S);
}

test('measureDigit: a filled rectangle has its area as ink mass, its box, and no slant', (t) => {
  const img = blank();
  for (let r = 5; r < 15; r++) for (let c = 10; c < 14; c++) img[r * S + c] = 1;
  const m = measureDigit(img);
  t.is(m.inkMass, 40);
  t.is(m.boxWidth, 4);
  t.is(m.boxHeight, 10);
  // Symmetric about its centre: μ11 = 0 exactly in float64 (sums of integers times halves).
  t.is(Math.abs(m.slant), 0);
});

test('measureDigit: points on a line x - cx = -s (y - cy) have slant s (right-leaning for s > 0)', (t) => {
  for (const s of [1, -2, 0.5]) {
    const img = blank();
    // Rows 10..18 (cy = 14); column 14 - s (r - 14): the top of the stroke is right of its bottom for s > 0.
    for (let r = 10; r <= 18; r++) {
      if (!Number.isInteger(s * (r - 14))) continue;
      img[r * S + (14 - s * (r - 14))] = 0.8;
    }
    const m = measureDigit(img);
    // The points lie exactly on the line, so -μ11/μ02 = s up to float64 rounding of a few sums.
    t.true(Math.abs(m.slant - s) < 1e-12, `s = ${s}: got ${m.slant}`);
    t.true(s > 0 ? m.slant > 0 : m.slant < 0);
  }
});

test('measureDigit: the box counts only pixels at or above INK_THRESHOLD; a blank image measures zero', (t) => {
  const img = blank();
  img[3 * S + 3] = INK_THRESHOLD; // counts
  img[20 * S + 25] = INK_THRESHOLD * 0.99; // faint: mass only
  img[10 * S + 7] = 1;
  const m = measureDigit(img);
  t.is(m.boxWidth, 7 - 3 + 1);
  t.is(m.boxHeight, 10 - 3 + 1);
  t.true(Math.abs(m.inkMass - (INK_THRESHOLD + INK_THRESHOLD * 0.99 + 1)) < 1e-6);
  t.deepEqual(measureDigit(blank()), { inkMass: 0, slant: 0, boxWidth: 0, boxHeight: 0 });
});

pyTest('measureDigit equals numpy on random images', (t) => {
  const u = uniform(11);
  const images: number[][] = [];
  for (let i = 0; i < 12; i++) images.push(Array.from({ length: S * S }, () => (u() < 0.3 ? u() : 0)));
  const want = python<{ mass: number; slant: number; w: number; h: number }[]>(
    `import sys, json, numpy as np
d = json.load(sys.stdin); out = []
for img in d["images"]:
    a = np.array(img, dtype=np.float64).reshape(28, 28)
    r, c = np.mgrid[0:28, 0:28]
    m = a.sum(); cx = (a * c).sum() / m; cy = (a * r).sum() / m
    mu11 = (a * (c - cx) * (r - cy)).sum(); mu02 = (a * (r - cy) ** 2).sum()
    rows, cols = np.nonzero(a >= d["th"])
    out.append({"mass": m, "slant": -mu11 / mu02, "w": int(cols.max() - cols.min() + 1), "h": int(rows.max() - rows.min() + 1)})
print(json.dumps(out))`,
    { images, th: INK_THRESHOLD },
  );
  images.forEach((img, i) => {
    // The image is float32 here (as MNIST is loaded) and float64 in numpy: relative 1e-6 covers
    // the rounding of the inputs to float32.
    const m = measureDigit(Float32Array.from(img));
    t.true(Math.abs(m.inkMass - want[i].mass) <= 1e-6 * want[i].mass, `mass ${i}`);
    t.true(Math.abs(m.slant - want[i].slant) <= 1e-6 * Math.max(1, Math.abs(want[i].slant)), `slant ${i}: ${m.slant} vs ${want[i].slant}`);
    t.is(m.boxWidth, want[i].w);
    t.is(m.boxHeight, want[i].h);
  });
});

test('quantile interpolates linearly between order statistics (numpy default); levelOf cuts at the tertiles', (t) => {
  t.is(quantile([1, 2, 3, 4], 1 / 3), 2);
  t.is(quantile([1, 2, 3, 4], 0.5), 2.5);
  t.is(quantile([7], 0.9), 7);
  t.throws(() => quantile([], 0.5), { instanceOf: RangeError });
  t.is(levelOf(1.9, [2, 3]), 0);
  t.is(levelOf(2, [2, 3]), 1);
  t.is(levelOf(3, [2, 3]), 2);
});

/** Three images a digit with ink masses 1, 2, 3 times the digit's base (a bar of 2, 4 or 6 columns),
 * and slants -1, 0, +1 in that order. */
function handmadeSet(): { images: Float32Array; labels: Uint8Array } {
  const images = new Float32Array(30 * S * S);
  const labels = new Uint8Array(30);
  for (let d = 0; d < 10; d++) {
    for (let j = 0; j < 3; j++) {
      const i = d * 3 + j;
      labels[i] = d;
      const s = j - 1;
      for (let r = 8; r <= 20; r++) for (let w = 0; w < 2 * (j + 1); w++) images[i * S * S + r * S + 12 + w - s * (r - 14)] = 1;
    }
  }
  return { images, labels };
}

test('attributeCuts: per-digit tertiles of each measure over the fitted images only', (t) => {
  const { images, labels } = handmadeSet();
  const measures = Array.from({ length: 30 }, (_, i) => measureDigit(images.subarray(i * S * S, (i + 1) * S * S)));
  const all = Int32Array.from({ length: 30 }, (_, i) => i);
  const cuts = attributeCuts(measures, labels, all);
  // Masses 26, 52, 78 (13 rows x 2, 4, 6 columns): tertiles at positions 2/3 and 4/3.
  t.deepEqual(cuts.weight[4], [26 + (2 / 3) * 26, 52 + (1 / 3) * 26]);
  // Each image of a digit falls in its own level: light, middle, heavy.
  t.deepEqual([0, 1, 2].map((j) => levelOf(measures[12 + j].inkMass, cuts.weight[4])), [0, 1, 2]);
  t.deepEqual([0, 1, 2].map((j) => levelOf(measures[12 + j].slant, cuts.slant[4])), [0, 1, 2]);
  t.throws(() => attributeCuts(measures, labels, Int32Array.from([0, 1, 3])), { instanceOf: RangeError, message: /digit 0 has 2 images/ });
});

test('allCaptions: 66 distinct captions a digit, worded in a fixed attribute order', (t) => {
  const captions = allCaptions();
  t.is(captions.length, 660);
  t.is(new Set(captions.map((c) => c.text)).size, 660);
  t.is(captionText({ digit: 7, size: 0, weight: 0, slant: 0 }), 'a small thin left-leaning seven');
  t.is(captionText({ digit: 3, size: null, weight: 2, slant: null }), 'a bold three');
  t.true(captions.some((c) => c.text === 'the digit 7'));
});

test('captionDigits: every training image paired with exactly the seen captions that describe it', (t) => {
  const { images, labels } = handmadeSet();
  const train = Int32Array.from({ length: 30 }, (_, i) => i);
  const unseen = [{ digit: 0, attribute: 'weight' as const, level: 0 }];
  const c = captionDigits({ data: images, rows: 30, cols: S * S }, labels, train, unseen);
  const pairs = new Set(Array.from(c.pairs.image, (img, e) => `${img},${c.pairs.caption[e]}`));
  let expected = 0;
  train.forEach((img, tIndex) => {
    c.seenCaptions.forEach((cap, j) => {
      const d = describes(c.captions[cap].spec, c.attributes[img]);
      if (d) expected++;
      t.is(pairs.has(`${tIndex},${j}`), d);
    });
  });
  t.is(c.pairs.image.length, expected);
  // No seen caption states the held-out combination; the ones that do are kept as unseen.
  for (let i = 0; i < c.captions.length; i++) t.is(c.seen[i], !statesCombination(c.captions[i].spec, unseen[0]));
  t.true(c.captions.some((cap) => cap.text === 'a thin zero'));
  // Every kept caption describes at least one training image (the rest were dropped).
  for (const cap of c.captions) t.true(train.some((i) => describes(cap.spec, c.attributes[i])), cap.text);
  t.true(c.captions.length < 660);
});

test('captionDigits: bad input is a clear error', (t) => {
  const { images, labels } = handmadeSet();
  const M = { data: images, rows: 30, cols: S * S };
  t.throws(() => captionDigits({ data: images, rows: 30 * 28, cols: 28 }, new Uint8Array(840), Int32Array.from([0])), { instanceOf: RangeError, message: /784 columns/ });
  t.throws(() => captionDigits(M, labels.subarray(1), Int32Array.from([0])), { instanceOf: RangeError, message: /labels must have length 30/ });
  t.throws(() => captionDigits(M, Uint8Array.from(labels, (l) => (l === 3 ? 12 : l)), Int32Array.from([0])), { instanceOf: RangeError, message: /not a digit/ });
  t.throws(() => captionDigits(M, labels, Int32Array.from([30])), { instanceOf: RangeError, message: /trainImages\[0\] = 30/ });
  t.throws(() => captionDigits({ data: [1, 2] as unknown as Float32Array, rows: 1, cols: 2 }, labels, Int32Array.from([0])), { instanceOf: TypeError });
  t.is(DEFAULT_UNSEEN.length, 6);
});

test('tokenize: lower-case runs of letters and digits', (t) => {
  t.deepEqual(tokenize('A small, THIN left-leaning 7!'), ['a', 'small', 'thin', 'left', 'leaning', '7']);
  t.deepEqual(tokenize('  '), []);
  t.throws(() => tokenize(7 as unknown as string), { instanceOf: TypeError });
});

test('Vocabulary: sorted ids, bags of words as mean token counts, unknown words named', (t) => {
  const v = Vocabulary.fromTexts(['a thin seven', 'the digit 7', 'a bold seven']);
  t.deepEqual(v.tokens, ['7', 'a', 'bold', 'digit', 'seven', 'the', 'thin']);
  t.deepEqual(Array.from(v.encode('Seven a seven')), [4, 1, 4]);
  const bag = v.bagOfWords(['seven a seven', 'the digit 7']);
  t.deepEqual([bag.rows, bag.cols], [2, 7]);
  // Row 0: 'seven' twice and 'a' once among three tokens.
  t.true(Math.abs(bag.data[4] - 2 / 3) < 1e-7 && Math.abs(bag.data[1] - 1 / 3) < 1e-7);
  t.deepEqual(Array.from(bag.data.subarray(7)).map((x) => Math.round(x * 3)), [1, 0, 0, 1, 0, 1, 0]);
  t.throws(() => v.encode('a purple seven'), { instanceOf: RangeError, message: /outside the vocabulary: purple/ });
  t.deepEqual(v.unknownWords('purple purple 8 seven'), ['purple', '8']);
  t.throws(() => v.bagOfWords(['...']), { instanceOf: RangeError, message: /has no words/ });
  t.throws(() => Vocabulary.fromTexts(['!!']), { instanceOf: RangeError });
  t.throws(() => v.bagOfWords('seven' as unknown as string[]), { instanceOf: TypeError });
  // 'sum': the counts themselves (exact small integers in float32).
  t.deepEqual(Array.from(v.bagOfWords(['seven a seven', 'the digit 7'], 'sum').data), [0, 1, 0, 0, 2, 0, 0, 1, 0, 0, 1, 0, 1, 0]);
  t.throws(() => v.bagOfWords(['seven'], 'max' as never), { instanceOf: RangeError, message: /mode must be 'mean' or 'sum'/ });
});
