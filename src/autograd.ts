// Reverse-mode autograd, micrograd-small: ops attach a Node (parents + backward closure) to their
// result; backward() sorts the graph topologically and runs the closures in reverse, summing
// gradients where a tensor is used more than once.
import { Tensor, keep, type Node } from './tensor.ts';
import { fmt } from './shape.ts';

let gradEnabled = true;
export const isGradEnabled = (): boolean => gradEnabled;

/** Runs fn with graph recording off (like torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try { return fn(); } finally { gradEnabled = prev; }
}

/** Marks out as made by op from parents, if any parent needs a gradient. */
export function record(out: Tensor, op: string, parents: Tensor[], backward: Node['backward']): Tensor {
  if (gradEnabled && parents.some((p) => p.requiresGrad)) {
    out.requiresGrad = true;
    out.ctx = { op, parents, backward };
  }
  return out;
}

/** A tensor over the same buffer, cut from the graph. */
export function detach(t: Tensor): Tensor {
  return t.view(t.shape, 'detach');
}

/** Fills in .grad of every leaf that requires a gradient. `add` sums two gradients (an op). */
export function backward(root: Tensor, grad: Tensor | undefined, add: (a: Tensor, b: Tensor) => Tensor,
  onesLike: (t: Tensor) => Tensor, clone: (t: Tensor) => Tensor, retainGraph = false): void {
  if (!root.requiresGrad) throw new Error(`backward: tensor of shape ${fmt(root.shape)} does not require grad (no input with requiresGrad, or made under noGrad)`);
  if (!grad && root.size !== 1) {
    throw new Error(`backward: called on a non-scalar tensor of shape ${fmt(root.shape)} without a gradient; pass one: t.backward(gradOfSameShape)`);
  }
  if (grad && (grad.shape.length !== root.shape.length || grad.shape.some((d, i) => d !== root.shape[i]))) {
    throw new Error(`backward: gradient of shape ${fmt(grad.shape)} does not match tensor of shape ${fmt(root.shape)}`);
  }

  // topological order: parents before children
  const topo: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i === 0) { if (seen.has(t)) { stack.pop(); continue; } seen.add(t); }
    const parents = t.ctx?.parents ?? [];
    if (i < parents.length) { top[1]++; if (parents[i].requiresGrad && !seen.has(parents[i])) stack.push([parents[i], 0]); }
    else { stack.pop(); topo.push(t); }
  }

  const prev = noGradEnter();
  try {
    const grads = new Map<Tensor, Tensor>();
    // tensors handed to a leaf's .grad must be owned by that leaf alone (one may pass through
    // unchanged to several parents, e.g. add's backward)
    const handedOut = new Set<Tensor>();
    const g0 = grad ?? onesLike(root);
    if (grad) handedOut.add(grad);
    grads.set(root, g0);
    for (let i = topo.length - 1; i >= 0; i--) {
      const t = topo[i];
      let g = grads.get(t);
      if (!g) continue;
      for (const h of t.hooks) { const r = h(g); if (r instanceof Tensor) g = r; }
      if (!t.ctx) {
        // a leaf
        if (handedOut.has(g)) g = clone(g);
        handedOut.add(g);
        const next = t.grad ? add(t.grad, g) : g;
        if (t.grad && t.grad !== next) t.grad.dispose();
        t.grad = keep(next);
        continue;
      }
      const pgrads = t.ctx.backward(g);
      t.ctx.parents.forEach((p, j) => {
        const pg = pgrads[j];
        if (!p.requiresGrad || !pg) return;
        const have = grads.get(p);
        grads.set(p, have ? add(have, pg) : pg);
      });
      if (!retainGraph) t.ctx = { op: t.ctx.op, parents: [], backward: freedGraph(t.ctx.op) };
    }
  } finally {
    noGradExit(prev);
  }
}

function freedGraph(op: string): Node['backward'] {
  return () => { throw new Error(`backward: the graph through ${op} was already freed by a backward(); pass retainGraph to go through it twice`); };
}

function noGradEnter(): boolean { const p = gradEnabled; gradEnabled = false; return p; }
function noGradExit(p: boolean): void { gradEnabled = p; }
