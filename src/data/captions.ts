// Captions of MNIST digits generated from what each image shows: the digit, and three attributes
// measured on the pixels (stroke weight by ink mass, slant by second moments, size by bounding
// box), each cut into three levels at per-digit tertiles. A caption names the digit and any subset
// of the attributes, so one caption describes many images and each image is described by several
// captions: the image-caption graph P(x, t) has the structure of the attributes' intersections.
import type { Matrix } from '../types.js';
import { MNIST_SIDE } from './mnist.js';

/** Pixels at or above this intensity count as ink for the bounding box (the digits' anti-aliased
 * edges fade below it). */
export const INK_THRESHOLD = 0.25;

export interface DigitMeasures {
  /** Sum of the intensities (stroke weight x stroke length). */
  inkMass: number;
  /** Horizontal shear dx/dy of the ink, -μ11/μ02 with y pointing up the page: > 0 leans right. */
  slant: number;
  /** Bounding box of the pixels >= INK_THRESHOLD, in pixels (0 x 0 for a blank image). */
  boxWidth: number;
  boxHeight: number;
}

function checkImages(images: Matrix, side: number): void {
  if (!images || !(images.data instanceof Float32Array || images.data instanceof Float64Array)) {
    throw new TypeError('images must be a Matrix with Float32Array or Float64Array data');
  }
  if (images.cols !== side * side) throw new RangeError(`images must have ${side * side} columns (${side} x ${side} pixels), got ${images.cols}`);
  if (images.data.length !== images.rows * images.cols) {
    throw new RangeError(`images.data has length ${images.data.length}, expected rows * cols = ${images.rows * images.cols}`);
  }
}

/** The measures of one square image (row-major, `side` pixels a row), accumulated in float64. */
export function measureDigit(pixels: ArrayLike<number>, side = MNIST_SIDE): DigitMeasures {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  let top = side;
  let bottom = -1;
  let left = side;
  let right = -1;
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const v = pixels[r * side + c];
      mass += v;
      sx += v * c;
      sy += v * r;
      if (v >= INK_THRESHOLD) {
        if (r < top) top = r;
        if (r > bottom) bottom = r;
        if (c < left) left = c;
        if (c > right) right = c;
      }
    }
  }
  let slant = 0;
  if (mass > 0) {
    const cx = sx / mass;
    const cy = sy / mass;
    let m11 = 0;
    let m02 = 0;
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        const v = pixels[r * side + c];
        m11 += v * (c - cx) * (r - cy);
        m02 += v * (r - cy) * (r - cy);
      }
    }
    // Rows grow down the page, so a stroke leaning right has x falling as the row grows: μ11 < 0.
    slant = m02 > 0 ? -m11 / m02 : 0;
  }
  return { inkMass: mass, slant, boxWidth: bottom < 0 ? 0 : right - left + 1, boxHeight: bottom < 0 ? 0 : bottom - top + 1 };
}

export type AttributeName = 'size' | 'weight' | 'slant';
/** In the order captions name them ("a small thin left-leaning seven"). */
export const ATTRIBUTES: readonly AttributeName[] = ['size', 'weight', 'slant'];
/** The words of levels 0, 1, 2 (low, middle, high tertile of the measure). */
export const LEVEL_WORDS: Record<AttributeName, readonly [string, string, string]> = {
  size: ['small', 'medium', 'large'],
  weight: ['thin', 'regular', 'bold'],
  slant: ['left-leaning', 'upright', 'right-leaning'],
};
export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

/** The measure each attribute is cut on. */
export function attributeValue(m: DigitMeasures, a: AttributeName): number {
  return a === 'size' ? m.boxWidth * m.boxHeight : a === 'weight' ? m.inkMass : m.slant;
}

/** Per digit and attribute, the two tertile cuts [low/middle, middle/high]. */
export type AttributeCuts = Record<AttributeName, [number, number][]>;

/** Level of a value given two cuts: 0 below the first, 2 at or above the second. */
export function levelOf(value: number, cuts: readonly [number, number]): 0 | 1 | 2 {
  return value < cuts[0] ? 0 : value < cuts[1] ? 1 : 2;
}

/** The value at quantile q of sorted values (linear interpolation, numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of no values');
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Tertile cuts of each attribute, per digit, over the images listed in `fit` (the training
 * images: held-out images are then described with cuts they did not shape). */
export function attributeCuts(measures: readonly DigitMeasures[], labels: ArrayLike<number>, fit: ArrayLike<number>): AttributeCuts {
  const cuts = { size: [], weight: [], slant: [] } as unknown as AttributeCuts;
  for (const a of ATTRIBUTES) {
    for (let d = 0; d < 10; d++) {
      const values: number[] = [];
      for (let i = 0; i < fit.length; i++) if (labels[fit[i]] === d) values.push(attributeValue(measures[fit[i]], a));
      if (values.length < 3) throw new RangeError(`digit ${d} has ${values.length} images to fit its attribute levels on; at least 3 are needed`);
      values.sort((x, y) => x - y);
      cuts[a].push([quantile(values, 1 / 3), quantile(values, 2 / 3)]);
    }
  }
  return cuts;
}

/** What a caption states: the digit, and a level (0..2) or null (not stated) per attribute. */
export interface CaptionSpec {
  digit: number;
  size: number | null;
  weight: number | null;
  slant: number | null;
}

/** An image's digit and attribute levels. */
export interface ImageAttributes {
  digit: number;
  size: number;
  weight: number;
  slant: number;
}

export function describes(caption: CaptionSpec, image: ImageAttributes): boolean {
  return (
    caption.digit === image.digit &&
    (caption.size === null || caption.size === image.size) &&
    (caption.weight === null || caption.weight === image.weight) &&
    (caption.slant === null || caption.slant === image.slant)
  );
}

/** The three phrasings of a digit alone; the first is the class caption of zero-shot classification. */
export function digitPhrasings(d: number): string[] {
  return [`a handwritten ${DIGIT_WORDS[d]}`, `the digit ${d}`, `number ${DIGIT_WORDS[d]}`];
}

/** "a small thin left-leaning seven" for a spec with attributes, in ATTRIBUTES order. */
export function captionText(spec: CaptionSpec): string {
  const words = ATTRIBUTES.filter((a) => spec[a] !== null).map((a) => LEVEL_WORDS[a][spec[a]!]);
  return `a ${[...words, DIGIT_WORDS[spec.digit]].join(' ')}`;
}

export interface Caption {
  text: string;
  spec: CaptionSpec;
}

/** Every caption: per digit its three phrasings, then each nonempty subset of the attributes at
 * each combination of levels (3 + 9 + 27 + 27 = 66 a digit, 660 in all). */
export function allCaptions(): Caption[] {
  const out: Caption[] = [];
  for (let d = 0; d < 10; d++) {
    for (const text of digitPhrasings(d)) out.push({ text, spec: { digit: d, size: null, weight: null, slant: null } });
    for (let mask = 1; mask < 8; mask++) {
      const stated = ATTRIBUTES.filter((_, i) => mask & (1 << i));
      const combos = 3 ** stated.length;
      for (let c = 0; c < combos; c++) {
        const spec: CaptionSpec = { digit: d, size: null, weight: null, slant: null };
        let rest = c;
        for (const a of stated) {
          spec[a] = rest % 3;
          rest = Math.floor(rest / 3);
        }
        out.push({ text: captionText(spec), spec });
      }
    }
  }
  return out;
}

function cellKey(a: ImageAttributes): string {
  return `${a.digit},${a.size},${a.weight},${a.slant}`;
}

function parseCellKey(key: string): ImageAttributes {
  const [digit, size, weight, slant] = key.split(',').map(Number);
  return { digit, size, weight, slant };
}

/** An attribute-digit combination held out of training: no training caption states both. */
export interface HeldOutCombination {
  digit: number;
  attribute: AttributeName;
  level: number;
}

/** The combinations `speclin clip` holds out: one low and one high level of each attribute, on
 * six different digits (every attribute word and every digit still occurs in training). */
export const DEFAULT_UNSEEN: readonly HeldOutCombination[] = [
  { digit: 7, attribute: 'weight', level: 0 },
  { digit: 4, attribute: 'weight', level: 2 },
  { digit: 3, attribute: 'slant', level: 2 },
  { digit: 9, attribute: 'slant', level: 0 },
  { digit: 0, attribute: 'size', level: 0 },
  { digit: 5, attribute: 'size', level: 2 },
];

export function statesCombination(spec: CaptionSpec, c: HeldOutCombination): boolean {
  return spec.digit === c.digit && spec[c.attribute] === c.level;
}

export function combinationText(c: HeldOutCombination): string {
  return `${LEVEL_WORDS[c.attribute][c.level]} ${DIGIT_WORDS[c.digit]}`;
}

export interface CaptionedDigits {
  measures: DigitMeasures[];
  cuts: AttributeCuts;
  /** Every image's digit and levels (training and held-out alike, with the training cuts). */
  attributes: ImageAttributes[];
  /** Every caption that describes at least one training image (allCaptions less the rare
   * intersections no training image falls in); `seen[c]` says whether caption c is a training
   * caption (states no held-out combination). */
  captions: Caption[];
  seen: boolean[];
  /** The training pairs: training image `image[e]` (an index into `trainImages`) with caption
   * `caption[e]` (an index into `seenCaptions`), one per (training image, seen caption that
   * describes it): the edges of the bipartite graph. */
  pairs: { image: Int32Array; caption: Int32Array };
  /** Indices of the seen captions in `captions`. */
  seenCaptions: Int32Array;
}

/**
 * Measures the images, cuts the levels on the training images, and lists the training pairs: each
 * training image with every seen caption that describes it. `labels` are the digits shown.
 */
export function captionDigits(
  images: Matrix, labels: ArrayLike<number>, trainImages: Int32Array, unseen: readonly HeldOutCombination[] = DEFAULT_UNSEEN,
): CaptionedDigits {
  checkImages(images, MNIST_SIDE);
  if (labels.length !== images.rows) throw new RangeError(`labels must have length ${images.rows} (one per image), got ${labels.length}`);
  for (let i = 0; i < labels.length; i++) {
    const d = labels[i];
    if (!Number.isInteger(d) || d < 0 || d > 9) throw new RangeError(`labels[${i}] = ${d} is not a digit 0..9`);
  }
  for (let i = 0; i < trainImages.length; i++) {
    if (trainImages[i] < 0 || trainImages[i] >= images.rows) throw new RangeError(`trainImages[${i}] = ${trainImages[i]} is outside 0..${images.rows - 1}`);
  }
  const d = images.cols;
  const measures: DigitMeasures[] = [];
  for (let i = 0; i < images.rows; i++) measures.push(measureDigit(images.data.subarray(i * d, (i + 1) * d)));
  const cuts = attributeCuts(measures, labels, trainImages);
  const attributes = measures.map((m, i) => {
    const digit = labels[i];
    return {
      digit,
      size: levelOf(attributeValue(m, 'size'), cuts.size[digit]),
      weight: levelOf(attributeValue(m, 'weight'), cuts.weight[digit]),
      slant: levelOf(attributeValue(m, 'slant'), cuts.slant[digit]),
    };
  });
  // A caption no training image matches (a rare intersection of levels) is dropped: it would be a
  // node without pairs, and its answers among held-out images would be chance draws of the cuts.
  const trainCount = new Map<string, number>();
  for (const i of trainImages) trainCount.set(cellKey(attributes[i]), (trainCount.get(cellKey(attributes[i])) ?? 0) + 1);
  const captions = allCaptions().filter((c) => [...trainCount.keys()].some((key) => describes(c.spec, parseCellKey(key))));
  const seen = captions.map((c) => !unseen.some((u) => statesCombination(c.spec, u)));
  const seenCaptions = Int32Array.from(captions.flatMap((_, i) => (seen[i] ? [i] : [])));
  // Captions of a digit are few (at most 66): an image's captions are found among its digit's.
  const byDigit: number[][] = Array.from({ length: 10 }, () => []);
  seenCaptions.forEach((c, j) => byDigit[captions[c].spec.digit].push(j));
  const pi: number[] = [];
  const pc: number[] = [];
  trainImages.forEach((i, t) => {
    for (const j of byDigit[attributes[i].digit]) {
      if (describes(captions[seenCaptions[j]].spec, attributes[i])) {
        pi.push(t);
        pc.push(j);
      }
    }
  });
  return { measures, cuts, attributes, captions, seen, pairs: { image: Int32Array.from(pi), caption: Int32Array.from(pc) }, seenCaptions };
}
