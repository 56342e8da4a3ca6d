/// <reference types="@webgpu/types" />
// Every WGSL program of the backend, declared once (as tfjs-backend-webgpu declares its programs):
// a program is one file of src/gpu/kernels with its constants, its uniform structs and its
// bindings, in binding order; each entry point names the bindings it references, its workgroup
// size and the override constants it is specialized by. pipelines.ts generates the WGSL
// declarations from these descriptors (a preamble of `const`s, `struct`s and
// `@group(0) @binding(i) var` lines put in front of the file), and the TypeScript side dispatches
// with bindings and uniforms by name, and workgroup counts from the same sizes. The WGSL files
// hold the code only: a constant or a binding is never written twice.

/** Invocations per workgroup of every kernel: the workgroup sum of common.wgsl (a tree over
 * WG_SIZE lanes, or subgroupAdd partials in an array of WG_SIZE) is sized by it, and every kernel
 * that calls it runs WG_SIZE invocations in one dimension. 256 is the largest size WebGPU
 * guarantees (maxComputeInvocationsPerWorkgroup). Emitted to WGSL as `const WG_SIZE`. */
export const WORKGROUP_SIZE = 256;

/** A uniform struct's fields in declaration order; each is 4 bytes (u32, i32 or f32). */
export type UniformFields = Readonly<Record<string, 'u32' | 'i32' | 'f32'>>;

export type BindingDecl =
  | { readonly uniform: UniformFields }
  | { readonly storage: 'read' | 'read_write'; readonly type: string };

export interface ProgramDescriptor {
  /** The file in src/gpu/kernels, without `.wgsl`. */
  readonly file: string;
  /** Compile-time constants (u32), emitted as `const NAME: u32 = value;`; TypeScript reads the
   * same values from here (tile sizes, chunk lengths). */
  readonly constants: Readonly<Record<string, number>>;
  /** Every binding of the file, in binding order (`@binding(i)` is the index here). A uniform's
   * struct is generated as the binding's name capitalized (params: Params). */
  readonly bindings: Readonly<Record<string, BindingDecl>>;
}

export interface KernelDescriptor<B extends string = string, O extends string = string, Opt extends B = B> {
  readonly program: ProgramDescriptor;
  readonly entryPoint: string;
  /** Invocations per workgroup (x); the WGSL says `@workgroup_size(WG_SIZE)`, checked by test. */
  readonly workgroupSize: number;
  /** The bindings the entry point's code references: auto layouts keep exactly these, so each
   * dispatch binds each of them (the dispatch checks, by name). */
  readonly bindings: readonly B[];
  /** Bindings the code references but some specializations never read or write (the GEMM's
   * epilogue inputs with EPILOGUE 0): left out of a dispatch, a small placeholder is bound. */
  readonly optional?: readonly Opt[];
  /** WGSL `override` constants this entry point is specialized by (values per pipeline). */
  readonly overrides?: readonly O[];
}

function program<P extends ProgramDescriptor>(p: P): P {
  return p;
}

function kernel<P extends ProgramDescriptor, B extends keyof P['bindings'] & string, O extends string = never, Opt extends B = never>(
  program: P, entryPoint: string, bindings: readonly B[], extra: { optional?: readonly Opt[]; overrides?: readonly O[] } = {},
): KernelDescriptor<B, O, Opt> {
  return { program, entryPoint, workgroupSize: WORKGROUP_SIZE, bindings, ...extra };
}

// gram.wgsl: the one GEMM. A workgroup computes a TILE_M x TILE_N block of C, each of its
// WG_SIZE invocations a 4 x 4 block, K advancing TILE_K at a time.
const gram = program({
  file: 'gram',
  constants: { TILE_M: 64, TILE_N: 64, TILE_K: 16 },
  bindings: {
    params: {
      uniform: {
        m: 'u32', n: 'u32', k: 'u32',
        lda4: 'u32', ldb4: 'u32', ldc4: 'u32', // row strides in vec4s
        batch_a: 'u32', batch_b: 'u32', // batch strides in vec4s (C's is count4)
        entries: 'u32', // batch entries (1 for a matrix)
        tiles_n: 'u32', tiles: 'u32', mask_diag: 'u32',
        splits: 'u32', k_split: 'u32', count4: 'u32', // split K; count4: vec4s of one C
        alpha: 'f32', beta: 'f32', gamma: 'f32',
      },
    },
    a: { storage: 'read', type: 'array<vec4<f32>>' },
    b: { storage: 'read', type: 'array<vec4<f32>>' },
    c: { storage: 'read_write', type: 'array<vec4<f32>>' },
    d: { storage: 'read', type: 'array<vec4<f32>>' },
    v: { storage: 'read', type: 'array<f32>' },
    partials: { storage: 'read_write', type: 'array<f32>' },
  },
});

// spectral_loss.wgsl: the row-wise steps of the spectral loss (the products run in gram.wgsl).
const spectralLoss = program({
  file: 'spectral_loss',
  constants: {},
  bindings: {
    params: { uniform: { rows: 'u32', stride4: 'u32', mu: 'f32' } },
    x: { storage: 'read', type: 'array<vec4<f32>>' },
    out: { storage: 'read_write', type: 'array<vec4<f32>>' },
    factor: { storage: 'read_write', type: 'array<f32>' },
    y: { storage: 'read', type: 'array<vec4<f32>>' },
    s: { storage: 'read_write', type: 'array<f32>' },
    partials: { storage: 'read_write', type: 'array<f32>' },
  },
});

// reduce.wgsl: reductions of whole buffers to compensated per-workgroup partials.
const reduce = program({
  file: 'reduce',
  constants: {},
  bindings: {
    params: { uniform: { count4: 'u32', groups: 'u32' } },
    x: { storage: 'read', type: 'array<vec4<f32>>' },
    y: { storage: 'read', type: 'array<vec4<f32>>' },
    partials: { storage: 'read_write', type: 'array<f32>' },
  },
});

// spmv.wgsl: CSR products and the row scaling.
const spmv = program({
  file: 'spmv',
  constants: {},
  bindings: {
    params: { uniform: { n: 'u32', cols: 'u32', stride: 'u32', scaled: 'u32', alpha: 'f32' } },
    indptr: { storage: 'read', type: 'array<u32>' },
    indices: { storage: 'read', type: 'array<u32>' },
    values: { storage: 'read', type: 'array<f32>' },
    x: { storage: 'read', type: 'array<f32>' },
    y: { storage: 'read_write', type: 'array<f32>' },
    d: { storage: 'read', type: 'array<f32>' },
  },
});

// topk.wgsl: per-row selection of the k best scores, and the non-finite input scan.
const topk = program({
  file: 'topk',
  constants: {
    /** No index: a selection slot not yet filled, and a flag word's start (atomicMin's identity:
     * no non-finite row found), which the host writes and reads back. */
    NONE: 0xffffffff,
  },
  bindings: {
    params: { uniform: { n: 'u32', stride: 'u32', k: 'u32', rows: 'u32', first: 'u32' } },
    scores: { storage: 'read', type: 'array<f32>' },
    out_index: { storage: 'read_write', type: 'array<i32>' },
    out_score: { storage: 'read_write', type: 'array<f32>' },
    scan: { uniform: { quads: 'u32', total: 'u32', slot: 'u32' } },
    matrix: { storage: 'read', type: 'array<vec4<f32>>' },
    first_bad_row: { storage: 'read_write', type: 'array<atomic<u32>>' },
    // ivf_rows: quads per query and key row; k; lists probed per query; query rows; first output row.
    ivf: { uniform: { quads: 'u32', k: 'u32', nprobe: 'u32', rows: 'u32', first: 'u32' } },
    queries: { storage: 'read', type: 'array<vec4<f32>>' },
    keys: { storage: 'read', type: 'array<vec4<f32>>' },
    ids: { storage: 'read', type: 'array<i32>' },
    list_start: { storage: 'read', type: 'array<u32>' },
    plan: { storage: 'read', type: 'array<u32>' },
    cand_score: { storage: 'read_write', type: 'array<f32>' },
  },
});

// eigsh.wgsl: the Lanczos steps besides the product and the norm's partial sums.
const eigsh = program({
  file: 'eigsh',
  constants: {
    /** vec4s of a basis row per basis_dots workgroup (8 per invocation). */
    CHUNK4: 2048,
  },
  bindings: {
    params: {
      uniform: {
        count: 'u32', // floats in w and v
        groups: 'u32', // partial (hi, lo) pairs to add, 4 floats apart
        h_index: 'u32', // where beta goes in H; for finish_dots, where h starts
        rows: 'u32', // basis vectors in use
        chunks: 'u32', // basis_dots chunks per row
        n4: 'u32', // vec4s per basis row
        add: 'u32', // finish_dots: add hin
      },
    },
    partials: { storage: 'read', type: 'array<f32>' },
    scalars: { storage: 'read_write', type: 'array<f32>' },
    h: { storage: 'read_write', type: 'array<f32>' },
    w: { storage: 'read', type: 'array<f32>' },
    v: { storage: 'read_write', type: 'array<f32>' },
    basis: { storage: 'read', type: 'array<vec4<f32>>' },
    wv: { storage: 'read', type: 'array<vec4<f32>>' },
    dots: { storage: 'read_write', type: 'array<f32>' },
    hin: { storage: 'read', type: 'array<f32>' },
    wout: { storage: 'read_write', type: 'array<vec4<f32>>' },
  },
});

export const programs = { gram, spectralLoss, reduce, spmv, topk, eigsh } as const;

/** The entry points, one descriptor each. */
export const kernels = {
  gemm: kernel(gram, 'gemm', ['params', 'a', 'b', 'c', 'd', 'v', 'partials'], {
    optional: ['d', 'v', 'partials'],
    overrides: ['TRANS_A', 'TRANS_B', 'UPPER', 'EPILOGUE'],
  }),
  splitkSum: kernel(gram, 'splitk_sum', ['params', 'c', 'd']),

  clipRows: kernel(spectralLoss, 'clip_rows', ['params', 'x', 'out', 'factor']),
  rowDots: kernel(spectralLoss, 'row_dots', ['params', 'x', 'y', 's', 'partials']),
  clipBackward: kernel(spectralLoss, 'clip_backward', ['params', 'x', 'out', 'factor']),

  frobeniusDot: kernel(reduce, 'frobenius_dot', ['params', 'x', 'y', 'partials']),

  spmvVector: kernel(spmv, 'spmv_vector', ['params', 'indptr', 'indices', 'values', 'x', 'y', 'd'], { overrides: ['GROUP'] }),
  spmmRows: kernel(spmv, 'spmm_rows', ['params', 'indptr', 'indices', 'values', 'x', 'y', 'd']),
  scaleRows: kernel(spmv, 'scale_rows', ['params', 'x', 'y', 'd']),

  topkRows: kernel(topk, 'topk_rows', ['params', 'scores', 'out_index', 'out_score']),
  nonfiniteRows: kernel(topk, 'nonfinite_rows', ['scan', 'matrix', 'first_bad_row']),
  ivfRows: kernel(topk, 'ivf_rows', ['ivf', 'queries', 'keys', 'ids', 'list_start', 'plan', 'cand_score', 'out_index', 'out_score']),

  basisDots: kernel(eigsh, 'basis_dots', ['params', 'basis', 'wv', 'dots']),
  // hin is read only when params.add = 1.
  finishDots: kernel(eigsh, 'finish_dots', ['params', 'dots', 'hin', 'h'], { optional: ['hin'] }),
  basisCombine: kernel(eigsh, 'basis_combine', ['params', 'basis', 'wv', 'hin', 'wout']),
  finishNorm: kernel(eigsh, 'finish_norm', ['params', 'partials', 'scalars', 'h']),
  scaleRow: kernel(eigsh, 'scale_row', ['params', 'scalars', 'w', 'v']),
} as const;

/** `const` lines, uniform structs and binding declarations of a program, generated for the WGSL
 * in front of its file. */
export function declarations(p: ProgramDescriptor): string {
  const lines: string[] = [`// Generated from src/gpu/programs.ts (program '${p.file}').`, `const WG_SIZE: u32 = ${WORKGROUP_SIZE}u;`];
  for (const [name, value] of Object.entries(p.constants)) lines.push(`const ${name}: u32 = ${value}u;`);
  Object.entries(p.bindings).forEach(([name, decl], index) => {
    if ('uniform' in decl) {
      const struct = structName(name);
      lines.push(`struct ${struct} { ${Object.entries(decl.uniform).map(([f, t]) => `${f}: ${t}`).join(', ')} }`);
      lines.push(`@group(0) @binding(${index}) var<uniform> ${name}: ${struct};`);
    } else {
      lines.push(`@group(0) @binding(${index}) var<storage, ${decl.storage}> ${name}: ${decl.type};`);
    }
  });
  return lines.join('\n');
}

export function structName(binding: string): string {
  return binding.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** The binding index of `name` in its program. */
export function bindingIndex(p: ProgramDescriptor, name: string): number {
  const i = Object.keys(p.bindings).indexOf(name);
  if (i < 0) throw new Error(`internal: program '${p.file}' has no binding '${name}'`);
  return i;
}
