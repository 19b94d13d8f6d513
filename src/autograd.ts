// Graph recording, micrograd-small: ops attach a Node (parents + backward closure) to their result.
// The backward pass itself (a topological sort and a reversed loop) is Tensor.backward in tensor.ts,
// micrograd's Value.backward; it needs no op, only the backend's add, fill and copy.
import type { Node, Tensor } from './tensor.ts';
import { isGradEnabled } from './grad_mode.ts';

export { isGradEnabled, noGrad } from './grad_mode.ts';

/** Marks out as made by op from parents, if any parent needs a gradient. */
export function record(out: Tensor, op: string, parents: Tensor[], backward: Node['backward']): Tensor {
  if (isGradEnabled() && parents.some((p) => p.requiresGrad)) {
    out.requiresGrad = true;
    out.ctx = { op, parents, backward };
  }
  return out;
}

/** A tensor over the same buffer, cut from the graph (the function form of t.detach()). */
export const detach = (t: Tensor): Tensor => t.detach();
