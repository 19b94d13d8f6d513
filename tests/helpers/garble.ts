// Character noise like a half-trained model's output, for the detectors' robustness tests.
import { Generator } from '../../src/random.ts';

/** Each character dropped, replaced by a random letter or doubled, each with probability p / 3. */
export function garble(s: string, p: number, gen: Generator): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let out = '';
  for (const ch of s) {
    const u = gen.uniform();
    if (u < p / 3) continue;
    if (u < (2 * p) / 3) out += letters[gen.int(26)];
    else if (u < p) out += ch + ch;
    else out += ch;
  }
  return out;
}
