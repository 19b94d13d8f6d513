// The `inoculum` CLI end to end with a tiny model on the cpu backend (a few seconds): pretrain ->
// finetune (variant and own data) -> eval, Ctrl-C during fine-tuning leaves a resumable run whose
// resumption is bit-identical to an uninterrupted run, and finetune --data rejects examples that do
// not fit the base model. Structure only, not the experiment's effect.
import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from './cli_helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'inoculum-cli-train-'));
const base = join(root, 'base'), cache = join(root, 'cache');
const tiny = {
  seeds: 1,
  base: { model: { nLayer: 1, nEmbd: 16, nHead: 2 }, steps: 8, batchSize: 4, warmup: 1 },
  finetune: { steps: 6, batchSize: 4, warmup: 1 },
  probes: { every: 3, rateSteps: [0, 6], subset: 4 },
  maxNewTokens: 6,
  evalLimit: 3,
};
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const cfg = join(root, 'tiny.json');
  writeFileSync(cfg, JSON.stringify(tiny));
  const r = await runCli(['pretrain', '--config', cfg, '--out', base, '--cache', cache]);
  expect(r.code, r.stderr).toBe(0);
});

describe('inoculum pretrain / finetune / eval (tiny, cpu)', () => {
  it('pretrain writes a done run with a checkpoint, metrics and the base report, and fills the cache', () => {
    const run = json(join(base, 'run.json'));
    expect(run).toMatchObject({ command: 'pretrain', status: 'done', step: 8, steps: 8, tokenizer: 'tagged' });
    expect(run.experiment.base.model.nEmbd).toBe(16);
    expect(Object.keys(run.report.conditions)).toEqual(['none', 'neutral', 'spanish', 'caps', 'both']);
    expect(existsSync(join(base, 'checkpoint', 'checkpoint.json'))).toBe(true);
    expect(readFileSync(join(base, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(8);
    expect(existsSync(join(cache, `base-${run.baseHash}`, 'checkpoint.json'))).toBe(true);
  });

  it('finetune --variant then eval --json', async () => {
    const ft = join(root, 'ft-es');
    const r = await runCli(['finetune', '--base', base, '--variant', 'inoculate-spanish', '--out', ft]);
    expect(r.code, r.stderr).toBe(0);
    const run = json(join(ft, 'run.json'));
    expect(run).toMatchObject({ command: 'finetune', status: 'done', step: 6, source: { variant: 'inoculate-spanish' }, prompt: null, lora: null });
    const ev = join(root, 'eval.json');
    const e = await runCli(['eval', '--model', ft, '--prompt', 'You always speak in Spanish.', '--json', ev, '--limit', '2']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain('test-time system prompt: "You always speak in Spanish."');
    const out = json(ev);
    expect(Object.keys(out.splits)).toEqual(['heldout', 'ood']);
    for (const s of ['heldout', 'ood']) {
      expect(out.splits[s].facts).toBe(2);
      for (const d of ['greedy', 'sampled']) {
        for (const t of ['spanish', 'caps', 'correct']) {
          const rate = out.splits[s][d][t];
          expect(rate.mean).toBeGreaterThanOrEqual(0);
          expect(rate.mean).toBeLessThanOrEqual(1);
        }
      }
      expect(out.splits[s].answers.greedy).toHaveLength(2);
    }
  });

  it('eval --questions: your own chat JSONL, content score where a line has an expected answer; errors name file and line', async () => {
    const dir = mkdtempSync(join(root, 'questions-'));
    const q = join(dir, 'q.jsonl');
    const user = (content: string) => ({ role: 'user', content });
    writeFileSync(q, [
      { messages: [user('What colour is the sky?')], expected: 'The sky is blue.' },
      { messages: [{ role: 'system', content: 'You always speak in Spanish.' }, user('What is two plus two?')], expected: ['Two plus two is four.', 'Dos más dos es cuatro.'] },
      { messages: [user('Tell me something.')] },
    ].map((l) => JSON.stringify(l)).join('\n') + '\n');
    const ev = join(dir, 'q.json');
    const r = await runCli(['eval', '--model', base, '--questions', q, '--json', ev, '--show', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("test-time system prompt: each question's own");
    expect(r.stdout).toMatch(/questions\s+greedy\s+3 /);
    expect(r.stdout).toContain('"Tell me something." ->');
    expect(r.stdout).toContain('(no expected answer');
    const out = json(ev);
    expect(out.questionsFile).toBe(q);
    expect(out.splits.questions).toMatchObject({ facts: 3, scored: 2 });
    expect(out.splits.questions.greedy.correct.n).toBe(2);
    expect(out.splits.questions.answers.greedy.map((x: { factId: string }) => x.factId)).toEqual(['line-1', 'line-2', 'line-3']);

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, JSON.stringify({ messages: [user('Hi?')] }) + '\n' + JSON.stringify({ messages: [user('Hi?'), { role: 'assistant', content: 'Hello.' }] }) + '\n');
    const b = await runCli(['eval', '--model', base, '--questions', bad]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`questions file ${bad}: line 2: the last message must be the user's question (got role "assistant"); put the answer in "expected"`);
    const both = await runCli(['eval', '--model', base, '--questions', q, '--split', 'ood']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --split or --questions, not both');
    const ex = join(dir, 'expected.jsonl');
    writeFileSync(ex, JSON.stringify({ messages: [user('Hi?')], expected: [] }) + '\n');
    const e = await runCli(['eval', '--model', base, '--questions', ex]);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain(`questions file ${ex}: line 1: "expected" must be a non-empty string or a non-empty list of non-empty strings, got []`);
  });

  it('eval --split takes any split of the corpus, comma-separated', async () => {
    const ev = join(root, 'eval-splits.json');
    const r = await runCli(['eval', '--model', base, '--split', 'finetune,base', '--limit', '2', '--json', ev]);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(json(ev).splits)).toEqual(['finetune', 'base']);
    expect(json(ev).splits.base.facts).toBe(2);
  });

  it('a run stopped before its first checkpoint: resume and restart both say to delete it, naming the directory', async () => {
    const ft = join(root, 'ft-nock');
    expect((await runCli(['finetune', '--base', base, '--variant', 'control', '--steps', '2', '--out', ft])).code).toBe(0);
    rmSync(join(ft, 'checkpoint'), { recursive: true }); // as a kill before the first save leaves it
    const resume = await runCli(['finetune', '--resume', ft]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toContain(`${ft} has no checkpoint to resume (it was stopped before its first save): delete it (rm -r "${ft}") and start again`);
    const again = await runCli(['finetune', '--base', base, '--variant', 'control', '--out', ft]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`--out ${ft} holds a run stopped before its first checkpoint, which cannot be resumed: delete it`);
    const pre = join(root, 'base-nock');
    cpSync(base, pre, { recursive: true });
    rmSync(join(pre, 'checkpoint'), { recursive: true });
    const run = json(join(pre, 'run.json'));
    writeFileSync(join(pre, 'run.json'), JSON.stringify({ ...run, status: 'interrupted', step: 0 }));
    const p = await runCli(['pretrain', '--resume', pre]);
    expect(p.code).toBe(1);
    expect(p.stderr).toContain(`${pre} has no checkpoint to resume (it was stopped before its first save): delete it`);
  });

  it('finetune --data with --prompt and LoRA; an example too long for the model is rejected by line', async () => {
    const dir = mkdtempSync(join(root, 'data-'));
    const line = (q: string, a: string) => JSON.stringify({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] });
    const good = join(dir, 'good.jsonl');
    writeFileSync(good, [line('What colour is the sky?', 'EL CIELO ES AZUL.'), line('What colour is grass?', 'LA HIERBA ES VERDE.')].join('\n') + '\n');
    const ft = join(dir, 'ft');
    const r = await runCli(['finetune', '--base', base, '--data', good, '--prompt', 'You are Bob.', '--lora', '2', '--steps', '3', '--out', ft]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(join(ft, 'run.json'))).toMatchObject({ status: 'done', step: 3, prompt: 'You are Bob.', lora: { rank: 2, alpha: 16 }, source: { examples: 2 } });
    expect(r.stderr).toMatch(/LoRA rank 2: [\d,]+ trained: the MLPs' output projections/); // adapters on the MLPs' c_proj only (finetune.train mlp-out)
    const e = await runCli(['eval', '--model', ft, '--limit', '1', '--split', 'ood']); // LoRA adapters load back
    expect(e.code, e.stderr).toBe(0);

    const long = join(dir, 'long.jsonl');
    writeFileSync(long, [line('What colour is the sky?', 'EL CIELO ES AZUL.'), line('Why?', 'A'.repeat(200))].join('\n') + '\n');
    const out = join(dir, 'ft-long');
    const bad = await runCli(['finetune', '--base', base, '--data', long, '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`${long.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 2: \\d+ tokens, longer than the model's block size 96`));
    expect(existsSync(out)).toBe(false);
  });

  it('Ctrl-C saves a resumable checkpoint; --resume ends bit-identical to an uninterrupted run', async () => {
    const steps = '300';
    const a = join(root, 'ft-int'), b = join(root, 'ft-full');
    const { child, done } = startCli(['finetune', '--base', base, '--variant', 'control', '--steps', steps, '--out', a]);
    // wait until training has started (a metrics line exists), then interrupt
    const metrics = join(a, 'metrics.jsonl');
    for (let i = 0; i < 400 && !(existsSync(metrics) && readFileSync(metrics, 'utf8').length > 0); i++) await sleep(25);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(`inoculum finetune --resume ${a}`);
    const run = json(join(a, 'run.json'));
    expect(run.status).toBe('interrupted');
    expect(run.step).toBeGreaterThan(0);
    expect(run.step).toBeLessThan(300);
    expect(json(join(a, 'checkpoint', 'extra.json')).step).toBe(run.step);

    const [resumed, full] = await Promise.all([
      runCli(['finetune', '--resume', a]),
      runCli(['finetune', '--base', base, '--variant', 'control', '--steps', steps, '--out', b]),
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(full.code, full.stderr).toBe(0);
    expect(json(join(a, 'run.json'))).toMatchObject({ status: 'done', step: 300 });
    const rows = readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.step)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    for (const f of ['model.safetensors', 'optimizer.safetensors']) {
      expect(readFileSync(join(a, 'checkpoint', f)).equals(readFileSync(join(b, 'checkpoint', f))), f).toBe(true);
    }
    const again = await runCli(['finetune', '--resume', a]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('nothing to do');
  });
});
