// Words to token ids, and texts to the bag-of-words rows the text tower reads. An embedding bag
// (the mean of the tokens' embedding vectors) is a product: bag row b (1 x V, each token's count
// over the text's length) times the embedding table T (V x h). So the text tower's first layer is
// a linear map of these rows, and a text never seen in training embeds as long as its words are.
import type { Matrix } from '../types.js';

/** Lower-case words: maximal runs of letters and digits ("left-leaning 7!" -> left, leaning, 7). */
export function tokenize(text: string): string[] {
  if (typeof text !== 'string') throw new TypeError(`a text must be a string, got ${typeof text}`);
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export class Vocabulary {
  /** The tokens, sorted; a token's id is its position. */
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;

  private constructor(tokens: string[]) {
    this.tokens = tokens;
    this.ids = new Map(tokens.map((t, i) => [t, i]));
  }

  /** Every word of the texts, once. */
  static fromTexts(texts: readonly string[]): Vocabulary {
    if (!Array.isArray(texts)) throw new TypeError('texts must be an array of strings');
    const words = new Set<string>();
    for (const t of texts) for (const w of tokenize(t)) words.add(w);
    if (words.size === 0) throw new RangeError('the texts have no words to build a vocabulary from');
    return new Vocabulary([...words].sort());
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of a word (-1 when it is not in the vocabulary). */
  id(token: string): number {
    return this.ids.get(token) ?? -1;
  }

  /** The words of `text` that the vocabulary lacks, in order of appearance, once each. */
  unknownWords(text: string): string[] {
    return [...new Set(tokenize(text).filter((w) => !this.ids.has(w)))];
  }

  /** Token ids of a text; a word outside the vocabulary is a RangeError naming it. */
  encode(text: string): Int32Array {
    const unknown = this.unknownWords(text);
    if (unknown.length > 0) {
      throw new RangeError(`'${text}' has words outside the vocabulary: ${unknown.join(', ')} (known: ${this.tokens.join(', ')})`);
    }
    return Int32Array.from(tokenize(text), (w) => this.ids.get(w)!);
  }

  /** texts.length x size, row i from text i's token counts: with 'mean' (the default) each count
   * divided by the text's length, so that row i times an embedding table is the mean of text i's
   * token embeddings; with 'sum' the counts themselves (the sum of the embeddings: a word weighs
   * the same in a short caption and a long one). A text without words, or with a word outside the
   * vocabulary, is a RangeError. */
  bagOfWords(texts: readonly string[], mode: 'mean' | 'sum' = 'mean'): Matrix<Float32Array> {
    if (!Array.isArray(texts)) throw new TypeError('texts must be an array of strings');
    if (mode !== 'mean' && mode !== 'sum') throw new RangeError(`mode must be 'mean' or 'sum', got '${String(mode)}'`);
    const V = this.size;
    const out = new Float32Array(texts.length * V);
    texts.forEach((text, i) => {
      const ids = this.encode(text);
      if (ids.length === 0) throw new RangeError(`texts[${i}] = '${text}' has no words`);
      for (const id of ids) out[i * V + id] += mode === 'sum' ? 1 : 1 / ids.length;
    });
    return { data: out, rows: texts.length, cols: V };
  }
}
