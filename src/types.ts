/** The element arrays speclin accepts; outputs have the input's type. */
export type FloatArray = Float32Array | Float64Array;

/** A row-major matrix: element (i, j) is data[i * cols + j]. */
export interface Matrix<T extends FloatArray = FloatArray> {
  data: T;
  rows: number;
  cols: number;
}

/** `batch` row-major matrices stored one after another: element (b, i, j) is
 * data[(b * rows + i) * cols + j]. */
export interface Batch<T extends FloatArray = FloatArray> extends Matrix<T> {
  batch: number;
}

export type Dtype = 'float32' | 'float64';

export function dtypeOf(data: FloatArray): Dtype {
  return data instanceof Float32Array ? 'float32' : 'float64';
}
