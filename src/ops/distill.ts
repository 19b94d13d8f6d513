// Soft-label distillation (issue 17, subliminal learning): the KL divergence from a teacher's
// next-token distribution to the student's, the loss a student minimises to copy the teacher's
// output distribution rather than its sampled tokens (Hinton et al. 2015).
//   loss = T^2 / K * sum_n mask[n] * sum_v p[n,v] (log p[n,v] - log q[n,v])
//   p = softmax(teacher / T), q = softmax(student / T), K = sum_n mask[n] (rows that count)
//   d loss / d student[n,v] = T / K * mask[n] * (q[n,v] - p[n,v])
// The T^2 keeps the gradient's scale independent of the temperature. The teacher's logits are
// data: no gradient flows to them.
import { isGradEnabled, record } from '../autograd.ts';
import { Tensor, fromArray } from '../tensor.ts';
import { fmt } from '../shape.ts';
import { common, defineOp, empty } from './registry.ts';

export interface DistillOptions {
  /** Softmax temperature of both distributions (default 1). */
  temperature?: number;
  /** Per row (every dim but the last): 1 counts, 0 is skipped (e.g. prompt positions). Default all 1. */
  mask?: ArrayLike<number>;
}

/** KL(teacher || student) over the last dim (V), averaged over the rows the mask keeps; a scalar. */
export const distillKL = defineOp('distillKL', (student: Tensor, teacher: Tensor, opts: DistillOptions = {}): Tensor => {
  const { backend, dtype } = common('distillKL', student, teacher);
  if (student.rank === 0 || student.rank !== teacher.rank || student.shape.some((d, i) => d !== teacher.shape[i])) {
    throw new Error(`distillKL: student logits ${fmt(student.shape)} and teacher logits ${fmt(teacher.shape)} must have one shape (..., V)`);
  }
  const T = opts.temperature ?? 1;
  if (!(Number.isFinite(T) && T > 0)) throw new Error(`distillKL: temperature must be a finite number > 0, got ${T}`);
  const V = student.shape[student.rank - 1], N = student.size / V;
  const m = opts.mask ?? new Array<number>(N).fill(1);
  if (m.length !== N) throw new Error(`distillKL: mask has ${m.length} entries, the logits ${fmt(student.shape)} have ${N} rows`);
  let K = 0;
  for (let i = 0; i < N; i++) {
    if (m[i] !== 0 && m[i] !== 1) throw new Error(`distillKL: mask entries must be 0 or 1, got ${m[i]} at row ${i}`);
    K += m[i];
  }
  const tmp = (shape: number[]) => empty('distillKL', shape, dtype, backend);
  const scaled = (x: Tensor) => { const o = tmp(x.shape); backend.unary(o.buf, x.buf, 'mulScalar', 1 / T); return o; };
  const sS = scaled(student), sT = scaled(teacher);
  const logq = tmp(student.shape), logp = tmp(student.shape), p = tmp(student.shape), q = tmp(student.shape);
  backend.logSoftmaxForward(logq.buf, sS.buf, N, V);
  backend.logSoftmaxForward(logp.buf, sT.buf, N, V);
  backend.softmaxForward(p.buf, sT.buf, N, V);
  backend.softmaxForward(q.buf, sS.buf, N, V);
  sS.dispose(); sT.dispose();
  const flat = [student.size], one = [1];
  // WebGPU cannot bind one buffer as both input and output of a dispatch: every step has its own
  const diff = tmp(student.shape), term = tmp(student.shape);
  backend.binary(diff.buf, logp.buf, logq.buf, 'sub', flat, one, one);
  backend.binary(term.buf, p.buf, diff.buf, 'mul', flat, one, one);             // p (log p - log q)
  logp.dispose(); logq.dispose(); diff.dispose();
  const rows = tmp([N]);
  backend.reduce(rows.buf, term.buf, 'sum', N, V, 1);                           // (N): KL per row
  term.dispose();
  const mask = fromArray(Array.from(m), [N], { dtype, backend });
  const kept = tmp([N]);
  backend.binary(kept.buf, rows.buf, mask.buf, 'mul', [N], one, one);
  rows.dispose();
  const total = tmp([]);
  backend.reduce(total.buf, kept.buf, 'sum', 1, N, 1);
  kept.dispose();
  const out = tmp([]);
  backend.unary(out.buf, total.buf, 'mulScalar', K > 0 ? (T * T) / K : 0);
  total.dispose();
  if (!(student.requiresGrad && isGradEnabled())) {
    p.dispose(); q.dispose(); mask.dispose();
    return out;
  }
  return record(out, 'distillKL', [student], (g) => {
    // T / K * mask[n] * (q - p) * g, g a scalar on the device
    const qp = tmp(student.shape), masked = tmp(student.shape), dx = tmp(student.shape), s = tmp([]);
    backend.binary(qp.buf, q.buf, p.buf, 'sub', flat, one, one);
    backend.binary(masked.buf, qp.buf, mask.buf, 'mul', [N, V], [V, 1], [1, 0]);
    backend.unary(s.buf, g.buf, 'mulScalar', K > 0 ? T / K : 0);
    backend.binary(dx.buf, masked.buf, s.buf, 'mul', flat, one, [0]);
    qp.dispose(); masked.dispose(); s.dispose();
    return [dx];
  });
});
