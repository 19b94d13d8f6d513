// The basic layers: Linear (weight stored (in, out), like GPT-2's Conv1D, so y = x @ W + b needs
// no transpose), Embedding, LayerNorm, and LoRALinear (a frozen Linear plus a low-rank update).
import { Tensor, zeros, ones, randn } from '../tensor.ts';
import { add, gelu, mulScalar } from '../ops/elementwise.ts';
import { linear, linearGelu, linearResidual, matmul } from '../ops/matmul.ts';
import { embedding, layerNorm } from '../ops/nn.ts';
import { Module } from './module.ts';
import { noGrad } from '../autograd.ts';
import type { Generator } from '../random.ts';
import type { Backend } from '../runtime/backend.ts';
import { fmt } from '../shape.ts';

export interface Init {
  gen: Generator;
  backend?: Backend;
  /** Standard deviation of the weight's normal init (GPT-2: 0.02). */
  std?: number;
}

export class Linear extends Module {
  weight: Tensor; // (in, out)
  bias: Tensor | null; // (out)
  constructor(readonly inFeatures: number, readonly outFeatures: number, init: Init, useBias = true) {
    super();
    this.weight = this.param('weight', randn([inFeatures, outFeatures], init.gen, { std: init.std ?? 0.02, backend: init.backend }));
    this.bias = useBias ? this.param('bias', zeros([outFeatures], { backend: init.backend })) : null;
  }
  forward(x: Tensor): Tensor {
    // (..., in) -> (..., out)
    this.checkInput(x);
    return this.bias ? linear(x, this.weight, this.bias) : matmul(x, this.weight);
  }
  /** gelu(forward(x)), the GELU in the matmul's epilogue when there is a bias (the same bits). */
  forwardGelu(x: Tensor): Tensor {
    this.checkInput(x);
    return this.bias ? linearGelu(x, this.weight, this.bias) : gelu(this.forward(x));
  }
  /** residual + forward(x), the add in the matmul's epilogue when there is a bias (the same bits). */
  forwardAdd(x: Tensor, residual: Tensor): Tensor {
    this.checkInput(x);
    return this.bias ? linearResidual(x, this.weight, this.bias, residual) : add(residual, this.forward(x));
  }
  private checkInput(x: Tensor): void {
    if (x.shape[x.rank - 1] !== this.inFeatures) throw new Error(`Linear(${this.inFeatures}, ${this.outFeatures}): input ${fmt(x.shape)} has last dim ${x.shape[x.rank - 1]}`);
  }
}

export class Embedding extends Module {
  weight: Tensor; // (V, C)
  constructor(readonly num: number, readonly dim: number, init: Init) {
    super();
    this.weight = this.param('weight', randn([num, dim], init.gen, { std: init.std ?? 0.02, backend: init.backend }));
  }
  forward(ids: Tensor): Tensor { return embedding(ids, this.weight); } // (...) -> (..., C)
}

export class LayerNorm extends Module {
  weight: Tensor; bias: Tensor;
  constructor(readonly dim: number, readonly eps = 1e-5, backend?: Backend) {
    super();
    this.weight = this.param('weight', ones([dim], { backend }));
    this.bias = this.param('bias', zeros([dim], { backend }));
  }
  forward(x: Tensor): Tensor { return layerNorm(x, this.weight, this.bias, this.eps); }
}

/**
 * A Linear whose base weight is frozen, plus a rank-r update (x @ A) @ B scaled by alpha / r.
 * B starts at zero, so the adapted layer starts equal to the base (Hu et al., 2021).
 */
export class LoRALinear extends Module {
  loraA: Tensor; // (in, r)
  loraB: Tensor; // (r, out)
  readonly scale: number;
  constructor(readonly base: Linear, readonly rank: number, readonly alpha: number, gen: Generator) {
    super();
    for (const p of base.parameters()) p.requiresGrad = false;
    const be = base.weight.backend;
    this.loraA = this.param('lora_A', randn([base.inFeatures, rank], gen, { std: 1 / Math.sqrt(base.inFeatures), backend: be }));
    this.loraB = this.param('lora_B', zeros([rank, base.outFeatures], { backend: be }));
    this.scale = alpha / rank;
  }
  forward(x: Tensor): Tensor {
    return add(this.base.forward(x), mulScalar(matmul(matmul(x, this.loraA), this.loraB), this.scale));
  }
  // Linear's fused forms, unfused here: the low-rank term joins before the GELU or the residual
  forwardGelu(x: Tensor): Tensor { return gelu(this.forward(x)); }
  forwardAdd(x: Tensor, residual: Tensor): Tensor { return add(residual, this.forward(x)); }
  // the base keeps its own names (h.0.attn.c_attn.weight), so a merged model saves like the original
  override namedParameters(prefix = ''): [string, Tensor][] {
    return [...this.base.namedParameters(prefix), ...super.namedParameters(prefix)];
  }
  /** Folds the update into the base weight (W += A @ B * alpha / r) and returns the base Linear. */
  merge(): Linear {
    noGrad(() => {
      const w = add(this.base.weight, mulScalar(matmul(this.loraA, this.loraB), this.scale));
      this.base.weight.backend.strided(this.base.weight.buf, [1], 0, w.buf, [1], 0, [w.size]);
      w.dispose();
    });
    return this.base;
  }
}
