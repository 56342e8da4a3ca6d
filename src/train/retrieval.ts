// Retrieval measured as users search: queries (caption embeddings) against keys (image
// embeddings) by inner product, a key ranked above another when its score is larger, ties going to
// the lower index (topK's rule). Precision@k and recall@1 search a flat inner-product index
// (createIndex, src/search/), the same exact top-k a user's index returns; mean average precision
// needs every relevant key's rank: the whole ranking, one sort per query.
import { crossGramSync } from '../gram.js';
import { createIndex, type SearchIndex } from '../search/search-index.js';
import type { Matrix } from '../types.js';

/** Whether key `key` is an answer to query `query`. */
export type Relevance = (query: number, key: number) => boolean;

/** Hits among the first min(k, ranked.length) entries of a ranking, over min(k, relevantCount):
 * a perfect ranking scores 1 also for a query with fewer than k answers. */
export function precisionAtK(ranked: ArrayLike<number>, k: number, isRelevant: (key: number) => boolean, relevantCount: number): number {
  if (!(relevantCount > 0)) throw new RangeError(`precision@k needs a query with at least one relevant key, got relevantCount = ${relevantCount}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  let hits = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (isRelevant(ranked[r])) hits++;
  return hits / Math.min(k, relevantCount);
}

/** The keys in ranking order: descending score, ties to the lower index. NaN scores are not
 * allowed (they have no place in an order). */
export function ranking(scores: ArrayLike<number>): Int32Array {
  for (let i = 0; i < scores.length; i++) if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN: a ranking needs finite or infinite scores`);
  const negated = Float64Array.from(scores, (x) => -x);
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  // Equal scores subtract to 0 (or, both infinite, to NaN): either way the index decides.
  return order.sort((a, b) => negated[a] - negated[b] || a - b);
}

/** Average precision of a query: the mean over its relevant keys of the precision at each one's
 * rank in the whole ranking. */
export function averagePrecision(scores: ArrayLike<number>, isRelevant: (key: number) => boolean, relevantCount: number): number {
  if (!(relevantCount > 0)) throw new RangeError(`average precision needs at least one relevant key, got relevantCount = ${relevantCount}`);
  const order = ranking(scores);
  let hits = 0;
  let sum = 0;
  for (let r = 0; r < order.length && hits < relevantCount; r++) {
    if (isRelevant(order[r])) {
      hits++;
      sum += hits / (r + 1);
    }
  }
  return sum / relevantCount;
}

/** Keys and the flat inner-product index over them, built once and searched by several
 * measurements (indexKeys); dispose() frees the index. */
export interface IndexedKeys {
  readonly matrix: Matrix;
  readonly index: SearchIndex;
  dispose(): void;
}

/** A flat inner-product index over `keys` (createIndex on the CPU), exact: its top-k are topK's. */
export async function indexKeys(keys: Matrix): Promise<IndexedKeys> {
  if (keys === null || typeof keys !== 'object' || !('rows' in keys)) throw new TypeError('keys must be a Matrix');
  if (keys.rows < 1) throw new RangeError('there are no keys to search');
  const index = await createIndex(keys, { metric: 'ip', kind: 'flat' });
  return { matrix: keys, index, dispose: () => index.dispose() };
}

function isIndexed(keys: Matrix | IndexedKeys): keys is IndexedKeys {
  return (keys as IndexedKeys).index !== undefined;
}

/** The top k of each query among `keys` by the index's search: `keys`' own index, or one built
 * for this call and freed after it. */
async function searchKeys(queries: Matrix, keys: Matrix | IndexedKeys, k: number) {
  const indexed = isIndexed(keys) ? keys : await indexKeys(keys);
  try {
    return await indexed.index.search(queries, k);
  } finally {
    if (indexed !== keys) indexed.dispose();
  }
}

function checkPair(queries: Matrix, keys: Matrix): void {
  if (queries.cols !== keys.cols) throw new RangeError(`queries and keys must have the same width, got ${queries.cols} and ${keys.cols}`);
  if (keys.rows < 1) throw new RangeError('there are no keys to search');
}

export interface RetrievalFigures {
  /** Mean over the queries with at least one answer of precisionAtK. */
  precisionAtK: number;
  /** Mean average precision over the same queries. */
  meanAveragePrecision: number;
  /** Queries that had an answer among the keys (the others are not counted). */
  queries: number;
}

/** Precision@k and mAP of searching `keys` (or their index) with each row of `queries` by inner
 * product. */
export async function retrievalFigures(queries: Matrix, keySet: Matrix | IndexedKeys, relevant: Relevance, k = 10): Promise<RetrievalFigures> {
  const keys = isIndexed(keySet) ? keySet.matrix : keySet;
  checkPair(queries, keys);
  const kk = Math.min(k, keys.rows);
  const top = await searchKeys(queries, keySet, kk);
  const scores = crossGramSync(queries, keys) as Matrix;
  let pSum = 0;
  let apSum = 0;
  let counted = 0;
  const answer = new Uint8Array(keys.rows);
  for (let q = 0; q < queries.rows; q++) {
    for (let key = 0; key < keys.rows; key++) answer[key] = relevant(q, key) ? 1 : 0;
    let count = 0;
    for (let key = 0; key < keys.rows; key++) count += answer[key];
    if (count === 0) continue;
    const isAnswer = (key: number) => answer[key] === 1;
    pSum += precisionAtK(top.indices.subarray(q * kk, (q + 1) * kk), kk, isAnswer, count);
    apSum += averagePrecision(scores.data.subarray(q * keys.rows, (q + 1) * keys.rows), isAnswer, count);
    counted++;
  }
  if (counted === 0) throw new RangeError('no query has a relevant key: nothing to measure');
  return { precisionAtK: pSum / counted, meanAveragePrecision: apSum / counted, queries: counted };
}

/** The fraction of queries whose best-scoring key (in `keys` or their index) is relevant. */
export async function recallAt1(queries: Matrix, keySet: Matrix | IndexedKeys, relevant: Relevance): Promise<number> {
  checkPair(queries, isIndexed(keySet) ? keySet.matrix : keySet);
  if (queries.rows < 1) throw new RangeError('there are no queries');
  const top = await searchKeys(queries, keySet, 1);
  let hits = 0;
  for (let q = 0; q < queries.rows; q++) if (relevant(q, top.indices[q])) hits++;
  return hits / queries.rows;
}

/** Accuracy of labelling each image with the class whose caption embedding scores highest
 * (`classes` row c embeds the caption of class c). */
export async function zeroShotAccuracy(images: Matrix, classes: Matrix | IndexedKeys, labels: ArrayLike<number>): Promise<number> {
  if (labels.length !== images.rows) throw new RangeError(`labels must have length ${images.rows} (one per image), got ${labels.length}`);
  return recallAt1(images, classes, (i, c) => labels[i] === c);
}
