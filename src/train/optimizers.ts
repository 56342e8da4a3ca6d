// First-order optimizers over a list of parameter arrays, updated in place. The state (momentum,
// Adam's moments) is float64 whatever the parameters' dtype, so that long runs in float32 do not
// lose the small increments of the moving averages.
import type { FloatArray } from '../types.js';

export interface Optimizer {
  /** The step size used by the next `step`; the loop sets it from its schedule. */
  lr: number;
  /** params[i] -= update(grads[i]); params and grads are aligned and of equal lengths. */
  step(params: FloatArray[], grads: FloatArray[]): void;
}

export interface SgdOptions {
  lr: number;
  /** Heavy-ball momentum in [0, 1); 0 is plain SGD. */
  momentum?: number;
  /** Nesterov's look-ahead form of the momentum update. */
  nesterov?: boolean;
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

function checkRate(name: string, value: number, max = Infinity): void {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (!(value >= 0 && value < max) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number in [0, ${max}), got ${value}`);
  }
}

function checkPairs(params: FloatArray[], grads: FloatArray[], state: Float64Array[][]): void {
  if (params.length !== grads.length) {
    throw new RangeError(`grads must have one array per parameter (${params.length}), got ${grads.length}`);
  }
  for (let i = 0; i < params.length; i++) {
    if (params[i].length !== grads[i].length) {
      throw new RangeError(`grads[${i}] has length ${grads[i].length}, expected ${params[i].length}`);
    }
  }
  for (const s of state) {
    if (s.length === 0) for (const p of params) s.push(new Float64Array(p.length));
  }
}

/** SGD with (optionally Nesterov) heavy-ball momentum: v = momentum v + g; p -= lr v. */
export function sgd(options: SgdOptions): Optimizer {
  const momentum = options.momentum ?? 0;
  checkRate('lr', options.lr);
  checkRate('momentum', momentum, 1);
  const velocity: Float64Array[] = [];
  return {
    lr: options.lr,
    step(params, grads) {
      checkPairs(params, grads, [velocity]);
      const lr = this.lr;
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        const g = grads[i];
        const v = velocity[i];
        for (let j = 0; j < p.length; j++) {
          const vj = momentum * v[j] + g[j];
          v[j] = vj;
          p[j] -= lr * (options.nesterov ? g[j] + momentum * vj : vj);
        }
      }
    },
  };
}

/** Adam (Kingma and Ba) with bias-corrected moments. */
export function adam(options: AdamOptions): Optimizer {
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  checkRate('lr', options.lr);
  checkRate('beta1', beta1, 1);
  checkRate('beta2', beta2, 1);
  if (!(eps > 0)) throw new RangeError(`eps must be > 0, got ${eps}`);
  const first: Float64Array[] = [];
  const second: Float64Array[] = [];
  let t = 0;
  return {
    lr: options.lr,
    step(params, grads) {
      checkPairs(params, grads, [first, second]);
      t++;
      const c1 = 1 - Math.pow(beta1, t);
      const c2 = 1 - Math.pow(beta2, t);
      const lr = this.lr;
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        const g = grads[i];
        const m = first[i];
        const v = second[i];
        for (let j = 0; j < p.length; j++) {
          const gj = g[j];
          const mj = beta1 * m[j] + (1 - beta1) * gj;
          const vj = beta2 * v[j] + (1 - beta2) * gj * gj;
          m[j] = mj;
          v[j] = vj;
          p[j] -= (lr * (mj / c1)) / (Math.sqrt(vj / c2) + eps);
        }
      }
    },
  };
}
