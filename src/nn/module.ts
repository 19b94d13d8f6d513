// Module: named parameters and children, a state dict, train/eval mode. Parameters are leaf
// tensors with requiresGrad; children are modules registered under a name (dots join the path).
import { Tensor, keep } from '../tensor.ts';
import { fmt } from '../shape.ts';

export abstract class Module {
  private _params = new Map<string, Tensor>();
  private _children = new Map<string, Module>();
  training = true;

  /** Registers a parameter (a leaf that requires grad, kept out of any tidy scope). */
  protected param(name: string, t: Tensor): Tensor {
    keep(t);
    t.setRequiresGrad(true);
    this._params.set(name, t);
    return t;
  }
  protected child<M extends Module>(name: string, m: M): M {
    this._children.set(name, m);
    return m;
  }

  /** Every parameter with its dotted path, in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this._params) out.push([prefix + n, p]);
    for (const [n, c] of this._children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }
  parameters(): Tensor[] { return this.namedParameters().map(([, p]) => p); }
  /** Parameters that are trained (requiresGrad): LoRA freezes the base. */
  trainableParameters(): [string, Tensor][] { return this.namedParameters().filter(([, p]) => p.requiresGrad); }

  stateDict(): Map<string, Tensor> { return new Map(this.namedParameters()); }

  /** Copies values in by name; every parameter must be present with its shape (strict). */
  loadStateDict(state: Map<string, { shape: readonly number[]; data: ArrayLike<number> }>, strict = true): void {
    const params = new Map(this.namedParameters());
    for (const [name, p] of params) {
      const s = state.get(name);
      if (!s) { if (strict) throw new Error(`loadStateDict: missing parameter ${name} ${fmt(p.shape)}`); continue; }
      if (s.shape.length !== p.shape.length || s.shape.some((d, i) => d !== p.shape[i])) {
        throw new Error(`loadStateDict: ${name} has shape ${fmt(s.shape)} in the state dict but ${fmt(p.shape)} in the model`);
      }
      p.backend.write(p.bufFor('loadStateDict'), s.data);
    }
    if (strict) {
      const extra = [...state.keys()].filter((k) => !params.has(k));
      if (extra.length) throw new Error(`loadStateDict: unexpected parameters ${extra.join(', ')}`);
    }
  }

  train(on = true): this {
    this.training = on;
    for (const c of this._children.values()) c.train(on);
    return this;
  }
  eval(): this { return this.train(false); }

  numParameters(): number { return this.parameters().reduce((a, p) => a + p.size, 0); }

  zeroGrad(): void {
    for (const p of this.parameters()) { p.grad?.dispose(); p.grad = null; }
  }

  dispose(): void {
    for (const p of this.parameters()) { p.grad?.dispose(); p.dispose(); }
  }
}
