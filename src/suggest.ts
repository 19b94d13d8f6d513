// Near-miss suggestions for unknown names (flags, commands, config fields): the closest known name
// by edit distance, when close enough to be a typo.

/** ` (did you mean --x?)` for a near miss, else ''. */
export function suggest(name: string, known: readonly string[], prefix = '--'): string {
  let best = '', dist = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < dist) { dist = d; best = k; }
  }
  return dist <= Math.max(2, Math.floor(name.length / 3)) && dist < name.length ? ` (did you mean ${prefix}${best}?)` : '';
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}
