// The minibatch spectral contrastive loss (HaoChen et al. 2021) and its gradient, on the CPU.
import { native } from './native.js';
import { callNative, callNativeAsync } from './errors.js';
import type { FloatArray, Matrix } from './types.js';

export interface SpectralLossOptions {
  /** The reference code's mu: rows of norm >= sqrt(mu) are rescaled to norm sqrt(mu) and every
   * term is divided by mu. Omitted: no clipping and no division (the reference defaults to 1). */
  mu?: number;
  /** 'offdiagonal' (default): pairs i != j, scaled 1/(B(B-1)). 'all': every (i, j), scaled 1/B^2. */
  negatives?: 'offdiagonal' | 'all';
  /** 'gram' is O(B k^2), 'pairwise' O(B^2 k); 'auto' (default) picks the cheaper by B and k. */
  algorithm?: 'auto' | 'gram' | 'pairwise';
}

export interface SpectralLossResult<T extends FloatArray = FloatArray> {
  /** positive + negative, accumulated in float64. */
  loss: number;
  /** -(2/B) sum_i ẑ_i.ŵ_i / mu: the positive-pair term (its value is usually negative). */
  positive: number;
  /** The negative-pair term: scale * sum (ẑ_i.ŵ_j)^2 / mu. */
  negative: number;
  /** d loss / d Z and d loss / d W, with respect to the unclipped inputs; Z's dtype. */
  gradZ: Matrix<T>;
  gradW: Matrix<T>;
  /** The algorithm that ran (what 'auto' chose). */
  algorithm: 'gram' | 'pairwise';
  /** How many rows of Z and of W were rescaled by the mu clipping. */
  clippedZ: number;
  clippedW: number;
}

/** Loss and gradients for B positive pairs: row i of Z and row i of W (both B x k, same dtype).
 * Z and W may come from one encoder (two augmentations) or two (the CLIP case). */
export function spectralLossSync<T extends FloatArray>(
  Z: Matrix<T>,
  W: Matrix<T>,
  options?: SpectralLossOptions,
): SpectralLossResult<T> {
  return callNative(() => native.spectralLossSync(Z, W, options));
}

/** Promise form: Z and W are copied, the work runs off the main thread. */
export function spectralLoss<T extends FloatArray>(
  Z: Matrix<T>,
  W: Matrix<T>,
  options?: SpectralLossOptions,
): Promise<SpectralLossResult<T>> {
  return callNativeAsync(() => native.spectralLoss(Z, W, options));
}
