// Dispatch geometry helpers shared by the kernel binding specs.

/**
 * Workgroups for n invocations in groups of `size`, folded into (x, y) when one dimension would
 * pass 65535. Shaders index with i = gid.x + gid.y * num_workgroups.x * size and check i < n.
 */
export function grid1d(n: number, size: number): [number, number] {
  const groups = Math.ceil(n / size);
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}
