// What a regressed reader does, for bounded.test.ts to check that harness.ts's bounded children
// catch it: spin forever, or allocate until the heap is gone.
export function spin(): never {
  for (;;);
}
export function grow(): never {
  const keep: number[][] = [];
  for (;;) keep.push(new Array(1 << 16).fill(1.5));
}
