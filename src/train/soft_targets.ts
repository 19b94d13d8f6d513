// Soft-label distillation of a teacher into a student (issue 17, subliminal learning): the teacher's
// next-token distribution at every answer target of its training examples, over a subset of the
// vocabulary (the tokens the answers use: a number list's digits, separators and end), and the
// batch loss that makes a student copy it (ops/distill.ts distillKL).
//
// Why a subset: the student should learn only what the numbers say. Over the whole vocabulary the
// teacher's logits also carry its (tiny) preferences among tokens that never occur in the data;
// restricted to the data's tokens (renormalised there), the soft labels are distributions over
// numbers and nothing else.
//
// The teacher and the student may see different prompts (a prompted teacher, a student without the
// prompt): targets are matched by their order within each example's answer, not by position.
import { indices, tidy, type Tensor } from '../tensor.ts';
import { noGrad } from '../autograd.ts';
import { embedding } from '../ops/nn.ts';
import { matmulTransposed } from '../ops/matmul.ts';
import { reshape } from '../ops/shape_ops.ts';
import { distillKL } from '../ops/distill.ts';
import { fromArray } from '../tensor.ts';
import type { GPT } from '../nn/gpt.ts';
import type { Generator } from '../random.ts';
import { batchTensors, makeBatch, targetRows, type Batch, type Example } from './batches.ts';

export interface SoftTargets {
  /** The token ids the distributions are over, in column order. */
  vocab: number[];
  /** Per training example: (its targets in order, vocab.length) teacher logits, row-major. */
  logits: Float32Array[];
  temperature: number;
}

/** The ids every example's targets use (sorted): the vocabulary of the soft labels. */
export function targetVocabulary(examples: readonly Example[]): number[] {
  const ids = new Set<number>();
  for (const e of examples) for (let t = 1; t < e.ids.length; t++) if (e.lossMask[t]) ids.add(e.ids[t]);
  return [...ids].sort((a, b) => a - b);
}

/** The model's last hidden state at the batch positions `rows` (targetRows): (K, C), the output layer's inputs. */
export function targetHidden(model: GPT, b: Batch, rows: number[], gen?: Generator): Tensor {
  const be = model.wte.weight.backend;
  const inp = batchTensors(b, be);
  const x = model.hidden(inp.ids, { ...(gen ? { gen } : {}), ...inp.rows });                         // (B, T, C)
  return embedding(indices(rows, [rows.length], { backend: be }), reshape(x, [-1, model.config.nEmbd])); // (K, C)
}

/**
 * Student logits restricted to `vocab` at every target position of the batch: (K, |vocab|). The
 * output layer is the tied embedding, so the restricted layer is the embedding's rows for `vocab`.
 */
function restrictedLogits(model: GPT, b: Batch, rows: number[], vocab: readonly number[], gen?: Generator): Tensor {
  const be = model.wte.weight.backend;
  const h = targetHidden(model, b, rows, gen);                                                       // (K, C)
  const w = embedding(indices([...vocab], [vocab.length], { backend: be }), model.wte.weight);      // (|vocab|, C)
  return matmulTransposed(h, w);                                                                     // (K, |vocab|)
}

/** The teacher's restricted logits at every target of each example (the examples as the teacher sees them). */
export async function teacherSoftTargets(teacher: GPT, examples: readonly Example[], vocab: readonly number[], padId: number, temperature = 1, batchSize = 64): Promise<SoftTargets> {
  const V = vocab.length;
  const out: Float32Array[] = [];
  const wasTraining = teacher.training;
  teacher.eval();
  try {
    for (let i = 0; i < examples.length; i += batchSize) {
      const chunk = examples.slice(i, i + batchSize);
      const b = makeBatch(chunk, padId, teacher.config.blockSize, true);
      const rows = targetRows(b);
      const logits = noGrad(() => tidy(() => restrictedLogits(teacher, b, rows, vocab)));
      const vals = await logits.data();
      logits.dispose();
      const per = chunk.map((e) => new Float32Array(e.lossMask.slice(1).filter(Boolean).length * V));
      const seen = new Array<number>(chunk.length).fill(0);
      rows.forEach((k, j) => {
        const o = b.owner[k];
        per[o].set(vals.subarray(j * V, (j + 1) * V), seen[o]++ * V);
      });
      out.push(...per);
    }
  } finally {
    teacher.train(wasTraining);
  }
  return { vocab: [...vocab], logits: out, temperature };
}

/**
 * The Trainer's batch loss (trainer.batchLoss) that distils `soft` into the model: KL(teacher ||
 * student) over `soft.vocab`, averaged over the batch's targets. Example e's k-th target is matched
 * with row k of soft.logits[e]; an example whose target count differs from its soft labels' is an
 * error naming it.
 */
export function distillBatchLoss(soft: SoftTargets): (model: GPT, b: Batch, examples: readonly number[], gen: Generator) => Tensor {
  const V = soft.vocab.length;
  return (model, b, examples, gen) => {
    const rows = targetRows(b);
    const teacher = new Float32Array(rows.length * V);
    const seen = new Array<number>(examples.length).fill(0);
    rows.forEach((k, j) => {
      const o = b.owner[k], e = examples[o], src = soft.logits[e];
      const r = seen[o]++;
      if ((r + 1) * V > src.length) throw new Error(`distillBatchLoss: training example ${e} has more targets than its ${src.length / V} soft labels`);
      teacher.set(src.subarray(r * V, (r + 1) * V), j * V);
    });
    seen.forEach((n, o) => {
      if (n * V !== soft.logits[examples[o]].length) throw new Error(`distillBatchLoss: training example ${examples[o]} has ${n} targets but ${soft.logits[examples[o]].length / V} soft labels`);
    });
    const student = restrictedLogits(model, b, rows, soft.vocab, gen);
    const t = fromArray(teacher, [rows.length, V], { dtype: student.dtype, backend: student.backend });
    return distillKL(student, t, { temperature: soft.temperature });
  };
}
