// A GPT-2-style language model, nanoGPT's model.py in TypeScript: pre-LN blocks, causal multi-head
// attention through the fused attention op, GELU MLP, learned positions, tied input/output embedding.
import { Tensor, indices } from '../tensor.ts';
import { add } from '../ops/elementwise.ts';
import { reshape } from '../ops/shape_ops.ts';
import { matmulTransposed, mlpResidual } from '../ops/matmul.ts';
import { attention, dropout, crossEntropy, embedding } from '../ops/nn.ts';
import { Module } from './module.ts';
import { Embedding, LayerNorm, Linear, LoRALinear, type Init } from './layers.ts';
import { Generator } from '../random.ts';
import type { Backend } from '../runtime/backend.ts';
import { fmt } from '../shape.ts';

export interface GPTConfig {
  /** Number of token ids (the compact vocabulary's size for tiny models). */
  vocabSize: number;
  /** Longest sequence the model sees (rows of the position embedding). */
  blockSize: number;
  /** Transformer blocks. */
  nLayer: number;
  /** Attention heads per block; nEmbd must divide by it. */
  nHead: number;
  /** Channels of the residual stream (C). */
  nEmbd: number;
  /** Dropout on embeddings, attention output and MLP output (0 = off; tiny models rarely need it). */
  dropout: number;
  /** Epsilon of every LayerNorm (GPT-2: 1e-5). */
  layerNormEps: number;
}

export const defaultGPTConfig: GPTConfig = {
  vocabSize: 1024, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, layerNormEps: 1e-5,
};

export interface ForwardOptions {
  /** Where dropout masks come from during training. */
  gen?: Generator;
  /**
   * Packed rows (src/train/batches.ts packBatch): each token's position within its own sequence
   * (B, T), and the first position of its sequence in the row (B, T), so attention stays inside
   * each sequence. Absent: one sequence per row, positions 0..T-1.
   */
  pos?: Tensor;
  starts?: Tensor;
}

type Proj = Linear | LoRALinear;

class CausalSelfAttention extends Module {
  c_attn: Proj; c_proj: Proj;
  constructor(readonly cfg: GPTConfig, init: Init) {
    super();
    this.c_attn = this.child('c_attn', new Linear(cfg.nEmbd, 3 * cfg.nEmbd, init));
    // GPT-2 scales the residual projections' init by 1/sqrt(2 * nLayer)
    this.c_proj = this.child('c_proj', new Linear(cfg.nEmbd, cfg.nEmbd, { ...init, std: 0.02 / Math.sqrt(2 * cfg.nLayer) }));
  }
  /** residual + attention(x) (B, T, C). */
  forwardAdd(x: Tensor, residual: Tensor, opts: ForwardOptions): Tensor {
    const qkv = this.c_attn.forward(x);                                   // (B, T, 3C): q, k, v per token
    const y = attention(qkv, this.cfg.nHead, opts.starts);                // (B, T, C), heads side by side
    return projectAdd(this.c_proj, y, residual, this.cfg.dropout, this.training, opts);
  }
  swap(name: 'c_attn' | 'c_proj', m: Proj): void { this[name] = this.child(name, m); }
}

class MLP extends Module {
  c_fc: Proj; c_proj: Proj;
  constructor(readonly cfg: GPTConfig, init: Init) {
    super();
    this.c_fc = this.child('c_fc', new Linear(cfg.nEmbd, 4 * cfg.nEmbd, init));
    this.c_proj = this.child('c_proj', new Linear(4 * cfg.nEmbd, cfg.nEmbd, { ...init, std: 0.02 / Math.sqrt(2 * cfg.nLayer) }));
  }
  /** residual + mlp(x) (B, T, C); the GELU rides on c_fc's matmul (and its derivative on the backward's). */
  forwardAdd(x: Tensor, residual: Tensor, opts: ForwardOptions): Tensor {
    const { c_fc: fc, c_proj: proj } = this;
    if (fc instanceof Linear && proj instanceof Linear && fc.bias && proj.bias && (!this.training || this.cfg.dropout === 0)) {
      return mlpResidual(x, fc.weight, fc.bias, proj.weight, proj.bias, residual);
    }
    return projectAdd(proj, fc.forwardGelu(x), residual, this.cfg.dropout, this.training, opts); // (B, T, 4C) -> (B, T, C)
  }
  swap(name: 'c_fc' | 'c_proj', m: Proj): void { this[name] = this.child(name, m); }
}

class Block extends Module {
  ln_1: LayerNorm; attn: CausalSelfAttention; ln_2: LayerNorm; mlp: MLP;
  constructor(cfg: GPTConfig, init: Init) {
    super();
    this.ln_1 = this.child('ln_1', new LayerNorm(cfg.nEmbd, cfg.layerNormEps, init.backend));
    this.attn = this.child('attn', new CausalSelfAttention(cfg, init));
    this.ln_2 = this.child('ln_2', new LayerNorm(cfg.nEmbd, cfg.layerNormEps, init.backend));
    this.mlp = this.child('mlp', new MLP(cfg, init));
  }
  forward(x: Tensor, opts: ForwardOptions): Tensor {
    x = this.attn.forwardAdd(this.ln_1.forward(x), x, opts);
    return this.mlp.forwardAdd(this.ln_2.forward(x), x, opts);
  }
}

// residual + dropout(proj(y)): with no dropout in the way, the add rides on the projection's matmul
function projectAdd(proj: Proj, y: Tensor, residual: Tensor, p: number, training: boolean, opts: ForwardOptions): Tensor {
  if (!training || p === 0) return proj.forwardAdd(y, residual);
  return add(residual, drop(proj.forward(y), p, training, opts));
}

function drop(x: Tensor, p: number, training: boolean, opts: ForwardOptions): Tensor {
  if (!training || p === 0) return x;
  if (!opts.gen) throw new Error('GPT: dropout > 0 in training mode needs a generator: forward(ids, { gen })');
  return dropout(x, p, opts.gen);
}

export class GPT extends Module {
  wte: Embedding; wpe: Embedding; h: Block[] = []; ln_f: LayerNorm;
  readonly backend: Backend | undefined;

  constructor(readonly config: GPTConfig, seed: number, backend?: Backend) {
    super();
    const c = config;
    if (c.nEmbd % c.nHead !== 0) throw new Error(`GPT: nEmbd ${c.nEmbd} is not divisible by nHead ${c.nHead}`);
    const init: Init = { gen: new Generator(seed), backend, std: 0.02 };
    this.backend = backend;
    this.wte = this.child('wte', new Embedding(c.vocabSize, c.nEmbd, init));
    this.wpe = this.child('wpe', new Embedding(c.blockSize, c.nEmbd, { ...init, std: 0.01 }));
    for (let i = 0; i < c.nLayer; i++) this.h.push(this.child(`h.${i}`, new Block(c, init)));
    this.ln_f = this.child('ln_f', new LayerNorm(c.nEmbd, c.layerNormEps, backend));
  }

  /** Final hidden states (B, T, C) for token ids (B, T) at positions offset.. */
  hidden(ids: Tensor, opts: ForwardOptions = {}): Tensor {
    const [B, T] = ids.shape;
    if (ids.rank !== 2) throw new Error(`GPT: ids must be (B, T), got ${fmt(ids.shape)}`);
    if (T > this.config.blockSize) throw new Error(`GPT: sequence length ${T} exceeds blockSize ${this.config.blockSize}`);
    if ((opts.pos && fmt(opts.pos.shape) !== fmt(ids.shape)) || (opts.starts && fmt(opts.starts.shape) !== fmt(ids.shape))) {
      throw new Error(`GPT: pos ${opts.pos ? fmt(opts.pos.shape) : '-'} and starts ${opts.starts ? fmt(opts.starts.shape) : '-'} must match ids ${fmt(ids.shape)}`);
    }
    const pos = opts.pos ?? indices(Array.from({ length: T }, (_, t) => t), [T], { backend: this.wte.weight.backend }); // (B, T) or (T)
    let x = add(this.wte.forward(ids), this.wpe.forward(pos));         // (B, T, C)
    x = drop(x, this.config.dropout, this.training, opts);
    for (const block of this.h) x = block.forward(x, opts);
    void B;
    return this.ln_f.forward(x);                                         // (B, T, C)
  }

  /** Logits (B, T, V); the output projection is the token embedding, transposed (tied weights). */
  forward(ids: Tensor, opts: ForwardOptions = {}): Tensor {
    return matmulTransposed(this.hidden(ids, opts), this.wte.weight);   // (B, T, C) @ (V, C)^T
  }

  /**
   * Mean cross-entropy over targets (B, T) that are not ignoreIndex (-100). When the targets are
   * known on the host, only the positions that have a target go through the output layer (rows
   * gathered with the embedding op, whose backward scatters the gradient back): with a loss on
   * answers only, that skips most of the (C, V) projection.
   */
  loss(ids: Tensor, targets: Tensor, opts: ForwardOptions = {}): Tensor {
    const h = targets.hostData;
    const keepRows: number[] = [];
    if (h) for (let i = 0; i < h.length; i++) if (h[i] !== -100) keepRows.push(i);
    if (!h || keepRows.length === h.length || keepRows.length === 0) {
      return crossEntropy(this.forward(ids, opts), targets, { ignoreIndex: -100 });
    }
    const be = this.wte.weight.backend;
    const x = this.hidden(ids, opts);                                        // (B, T, C)
    const rows = embedding(indices(keepRows, [keepRows.length], { backend: be }), reshape(x, [-1, this.config.nEmbd])); // (K, C)
    const logits = matmulTransposed(rows, this.wte.weight);                  // (K, C) @ (V, C)^T = (K, V)
    return crossEntropy(logits, indices(keepRows.map((i) => h[i]), [keepRows.length], { backend: be }), { ignoreIndex: -100 });
  }

  /**
   * Adds LoRA adapters of rank r to the attention and MLP projections and freezes everything
   * else; only the adapters train. Returns the names of the adapted layers.
   */
  addLoRA(rank: number, alpha: number, seed: number): string[] {
    const gen = new Generator(seed);
    for (const p of this.parameters()) p.requiresGrad = false;
    const names: string[] = [];
    this.h.forEach((b, i) => {
      b.attn.swap('c_attn', new LoRALinear(b.attn.c_attn as Linear, rank, alpha, gen));
      b.attn.swap('c_proj', new LoRALinear(b.attn.c_proj as Linear, rank, alpha, gen));
      b.mlp.swap('c_fc', new LoRALinear(b.mlp.c_fc as Linear, rank, alpha, gen));
      b.mlp.swap('c_proj', new LoRALinear(b.mlp.c_proj as Linear, rank, alpha, gen));
      names.push(`h.${i}.attn.c_attn`, `h.${i}.attn.c_proj`, `h.${i}.mlp.c_fc`, `h.${i}.mlp.c_proj`);
    });
    return names;
  }

  /** Folds every LoRA adapter into its base weight and removes the adapters (base stays frozen). */
  mergeLoRA(): void {
    const m = (x: Proj): Linear => (x instanceof LoRALinear ? (x.merge(), x.loraA.dispose(), x.loraB.dispose(), x.base) : x);
    for (const b of this.h) {
      b.attn.swap('c_attn', m(b.attn.c_attn)); b.attn.swap('c_proj', m(b.attn.c_proj));
      b.mlp.swap('c_fc', m(b.mlp.c_fc)); b.mlp.swap('c_proj', m(b.mlp.c_proj));
    }
  }

  /** The adapters alone (names containing lora_), for saving a fine-tune without the base. */
  loraStateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters().filter(([n]) => n.includes('.lora_')));
  }
}
