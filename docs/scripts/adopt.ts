// Kept as run for docs/results.md "Caps lock": usage npx tsx docs/scripts/adopt.ts SEED... after
// docs/scripts/lockscreen.ts trained those bases.
// adopt a base trained by .scratch/lockscreen.ts as the capslock mode's cache entry, after checking
// that the two tokenizers give identical ids on every conversation the experiment can encode
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, baseHash, corpusHash as corpusHashOf } from '../../src/inoculation/config.ts';
import { vocabCorpus } from '../../src/inoculation/run.ts';
import { ChatTokenizer } from '../../src/tokenizer/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.ts';
const LOCK = '\u21EA';
const isAllCaps = (s: string) => /\p{L}/u.test(s) && s === s.toUpperCase() && s !== s.toLowerCase();
const lockConv = (c: any) => ({ ...c, messages: c.messages.map((m: any) => (m.role === 'assistant' ? { ...m, content: isAllCaps(m.content) ? LOCK + m.content.toLowerCase() : m.content } : m)) });
const scratch = ChatTokenizer.build(vocabCorpus().map(lockConv), { mode: 'hybrid' });
const proper = ChatTokenizer.build(vocabCorpus(), { mode: 'capslock' });
const a = scratch.toJSON(), b = proper.toJSON();
if (JSON.stringify({ ...a, mode: 'x' }) !== JSON.stringify({ ...b, mode: 'x' })) throw new Error('vocab differs');
let n = 0;
for (const c of vocabCorpus()) {
  const x = scratch.encodeChat(lockConv(c)).ids.join(), y = proper.encodeChat(c).ids.join();
  if (x !== y) throw new Error(`ids differ on ${JSON.stringify(c)}`);
  n++;
}
console.log(`identical ids on ${n} conversations`);
const corpusHash = corpusHashOf();
for (const seed of process.argv.slice(2).map(Number)) {
  const cfg = structuredClone(defaultConfig); cfg.base.seed = seed;
  const from = join('.cache', `base-${baseHash(cfg, 'hybrid-capslock', corpusHash)}`), to = join('.cache', `base-${baseHash(cfg, 'capslock', corpusHash)}`);
  if (!existsSync(join(from, 'checkpoint.json'))) { console.log(`seed ${seed}: no scratch base at ${from}`); continue; }
  const ck = loadCheckpoint<any, any>(from);
  if (JSON.stringify({ ...ck.vocab, mode: 'x' }) !== JSON.stringify({ ...b, mode: 'x' })) throw new Error('cached vocab differs');
  rmSync(to, { recursive: true, force: true });
  await saveCheckpoint(to, { config: ck.config, state: ck.tensors, vocab: b });
  console.log(`seed ${seed}: ${from} -> ${to}`);
}
