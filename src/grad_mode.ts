// Whether ops record the graph (torch's grad mode). Its own module, importing nothing, so that both
// tensor.ts (backward runs with recording off) and autograd.ts (record reads it) sit above it.
let gradEnabled = true;
export const isGradEnabled = (): boolean => gradEnabled;

/** Runs fn with graph recording off (like torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try { return fn(); } finally { gradEnabled = prev; }
}
