// Bad input: each error names the op and the shapes, so a user can find the line that is wrong.
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { CpuBackend } from '../src/backend/cpu.ts';

const be = new CpuBackend();
const z = (shape: number[]) => T.zeros(shape, { dtype: 'f64', backend: be });
const ids = (d: number[], shape?: number[]) => T.indices(d, shape, { backend: be });

describe('errors name the op and the shapes', () => {
  it('matmul inner dims', () => expect(() => T.matmul(z([2, 3]), z([4, 5]))).toThrow('matmul: inner dims differ: (2,3) @ (4,5)'));
  it('matmul rank', () => expect(() => T.matmul(z([3]), z([3, 2]))).toThrow(/matmul: both operands need rank >= 2, got \(3\) @ \(3,2\)/));
  it('matmul batch broadcast', () => expect(() => T.matmul(z([2, 2, 3]), z([3, 3, 4]))).toThrow(/matmul: shapes \(2\) and \(3\) cannot be broadcast/));
  it('add broadcast', () => expect(() => T.add(z([2, 3]), z([4, 3]))).toThrow('add: shapes (2,3) and (4,3) cannot be broadcast together'));
  it('reshape size', () => expect(() => T.reshape(z([2, 3]), [4, 2])).toThrow('reshape: cannot reshape (2,3) (6 elements) to (4,2)'));
  it('permute', () => expect(() => T.permute(z([2, 3]), [0, 0])).toThrow(/permute: \[0,0\] is not a permutation of the dims of \(2,3\)/));
  it('slice range', () => expect(() => T.slice(z([2, 3]), 1, 2, 5)).toThrow('slice: range [2, 5) is out of bounds for dim 1 of (2,3)'));
  it('dim range', () => expect(() => T.sum(z([2, 3]), 2)).toThrow('sum: dim 2 is out of range for a tensor of rank 2'));
  it('concat', () => expect(() => T.concat([z([2, 3]), z([3, 3])], 1)).toThrow(/concat: shapes \(2,3\), \(3,3\) differ outside dim 1/));
  it('expand', () => expect(() => T.expand(z([2, 3]), [4, 3])).toThrow(/expand: shapes \(2,3\) and \(4,3\) cannot be broadcast/));
  it('layerNorm params', () => expect(() => T.layerNorm(z([2, 3]), z([4]), z([3]))).toThrow('layerNorm: weight (4) and bias (3) must be (3) for input (2,3)'));
  it('linear shapes', () => expect(() => T.linear(z([2, 3]), z([3, 4]), z([5]))).toThrow('linear: x (2,3), weight (3,4), bias (5) must be (..., K), (K, N), (N)'));
  it('attention shapes', () => expect(() => T.attention(z([1, 3, 10]), 2)).toThrow('attention: qkv (1,3,10) must be (B, T, 3 * nHead * HS) with nHead 2'));
  it('attention starts shape', () => expect(() => T.attention(z([1, 3, 6]), 1, ids([0, 0], [1, 2]))).toThrow('attention: starts must be i32 (B, T) = (1,3), got i32 (1,2)'));
  it('attention starts not contiguous segments', () => expect(() => T.attention(z([1, 3, 6]), 1, ids([0, 0, 1], [1, 3]))).toThrow('attention: starts[0, 2] = 1: each must be the previous one (same segment) or 2 (a new segment)'));
  it('embedding index out of range', () => expect(() => T.embedding(ids([0, 5, 1], [3]), z([4, 2]))).toThrow('embedding: index 5 at position 1 of (3) is out of range [0, 4)'));
  it('embedding needs integer ids', () => expect(() => T.embedding(z([3]), z([4, 2]))).toThrow(/embedding: indices must be an i32 tensor/));
  it('crossEntropy target out of range', () => expect(() => T.crossEntropy(z([2, 4]), ids([1, 4]))).toThrow('crossEntropy: index 4 at position 1 of (2) is out of range [0, 4)'));
  it('crossEntropy target shape', () => expect(() => T.crossEntropy(z([2, 4]), ids([1, 2, 3]))).toThrow('crossEntropy: targets (3) must match logits (2,4) without the last dim'));
  it('softmax over a non-last dim', () => expect(() => T.softmax(z([2, 3]), 0)).toThrow(/softmax: only the last dim is supported/));
  it('dropout p', () => expect(() => T.dropout(z([2]), 1, new T.Generator(1))).toThrow('dropout: p must be in [0, 1), got 1'));
  it('fromArray size', () => expect(() => T.fromArray([1, 2, 3], [2, 2])).toThrow('fromArray: 3 values cannot have shape (2,2)'));
  it('mixed dtypes', () => expect(() => T.add(z([2]), T.zeros([2], { dtype: 'f32', backend: be }))).toThrow(/add: inputs have different dtypes \(f64 \(2\) and f32 \(2\)\)/));

  it('backward on a non-scalar without a gradient', () => {
    const x = T.ones([2, 3], { dtype: 'f64', backend: be, requiresGrad: true });
    expect(() => T.mul(x, x).backward()).toThrow('backward: called on a non-scalar tensor of shape (2,3) without a gradient');
  });
  it('backward with a gradient of the wrong shape', () => {
    const x = T.ones([2, 3], { dtype: 'f64', backend: be, requiresGrad: true });
    expect(() => T.mul(x, x).backward(z([3, 2]))).toThrow('backward: gradient of shape (3,2) does not match tensor of shape (2,3)');
  });
  it('use after dispose names the op and the shape', () => {
    const x = z([2, 3]);
    x.dispose();
    expect(() => T.add(x, x)).toThrow('add: a tensor of shape (2,3) (made by zeros) was used after dispose()');
    expect(() => T.matmul(x, z([3, 1]))).toThrow(/matmul: a tensor of shape \(2,3\)/);
  });
});
