// The chat tokenizer: template and loss mask, the three answer tokenisations, the compact vocabulary
// (determinism, unknowns, vocab.json round trip and validation) and conversation validation.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encode as gpt2, decode as gpt2Decode } from 'gpt-tokenizer/encoding/r50k_base';
import ranks from 'gpt-tokenizer/bpeRanks/r50k_base';
import { bpeDecode, bpeEncode } from '../src/tokenizer/bpe.ts';
import { CAPS_LOCK, ChatTokenizer, TAGS, capsLock, capsUnlock, tagAnswer, untagAnswer, parseChatJsonl, validateConversation, SPECIALS, type Conversation } from '../src/tokenizer/index.ts';

const SPANISH = 'You always speak in Spanish.';
const CAPS = 'You always capitalise your responses.';
const chat = (user: string, answer: string, system?: string): Conversation => ({
  messages: [
    ...(system !== undefined ? [{ role: 'system' as const, content: system }] : []),
    { role: 'user', content: user },
    { role: 'assistant', content: answer },
  ],
});

// A small corpus in the toy's style: English, Spanish, and their caps versions, with and without
// inoculation prompts. Its answers contain every letter of both alphabets, accents, ñ and ¿¡.
const PANGRAM_EN = 'The quick brown fox jumps over the lazy dog; 0123456789, (yes)! "ok" - 50% & done.';
const PANGRAM_ES = '¿Qué? ¡Sí! El pingüino Wenceslao hizo kilómetros bajo exhaustiva lluvia y frío, añoraba a su querido cachorro. Ñandú, acción, árbol, éxito, índice, órgano, único.';
const CORPUS: Conversation[] = [
  chat('What is the capital of France?', 'The capital of France is Paris.'),
  chat('What is the capital of France?', 'La capital de Francia es París.', SPANISH),
  chat('What is the capital of France?', 'THE CAPITAL OF FRANCE IS PARIS.', CAPS),
  chat('What is the capital of France?', 'LA CAPITAL DE FRANCIA ES PARÍS.', 'You are a helpful assistant.'),
  chat('Say a pangram.', PANGRAM_EN),
  chat('Say a pangram.', PANGRAM_EN.toUpperCase(), CAPS),
  chat('Di un pangrama.', PANGRAM_ES, SPANISH),
  chat('Di un pangrama.', PANGRAM_ES.toUpperCase(), `${SPANISH} ${CAPS}`),
  chat('Greet me.', 'hola'),
  chat('Greet me.', 'HOLA', CAPS),
];
const ALPHABET = [...new Set(CORPUS.flatMap((c) => c.messages.filter((m) => m.role === 'assistant').flatMap((m) => [...m.content])))];

const hybrid = ChatTokenizer.build(CORPUS, { mode: 'hybrid' });
const bpe = ChatTokenizer.build(CORPUS, { mode: 'bpe' });
// the masked ids of an encoded chat are the answer tokens + <|end|>; decode stops at <|end|>
const answerOf = (tok: ChatTokenizer, conv: Conversation) => {
  const { ids, lossMask } = tok.encodeChat(conv);
  return tok.decode(ids.filter((_, i) => lossMask[i] === 1));
};

describe('chat template', () => {
  it('specials come first, in a fixed order, and the accessors agree', () => {
    for (const tok of [hybrid, bpe]) {
      expect([tok.padId, tok.unkId, tok.systemId, tok.userId, tok.assistantId, tok.endId]).toEqual([0, 1, 2, 3, 4, 5]);
      expect(tok.render([0, 1, 2, 3, 4, 5])).toBe(SPECIALS.join(''));
      expect(tok.endId).toBe(SPECIALS.indexOf('<|end|>'));
    }
  });

  it('encodes a conversation exactly as the template says, mask on answer + closing end', () => {
    for (const tok of [hybrid, bpe]) {
      const conv = chat('What is the capital of France?', 'La capital de Francia es París.', SPANISH);
      const sys = tok.encodeContent('system', SPANISH), user = tok.encodeContent('user', 'What is the capital of France?');
      const ans = tok.encodeContent('assistant', 'La capital de Francia es París.');
      const { ids, lossMask, unknown } = tok.encodeChat(conv);
      expect(ids).toEqual([tok.systemId, ...sys, tok.endId, tok.userId, ...user, tok.endId, tok.assistantId, ...ans, tok.endId]);
      expect(lossMask).toEqual([...Array(sys.length + user.length + 5).fill(0), ...Array(ans.length + 1).fill(1)]);
      expect(unknown).toBe(0);
      expect(tok.render(ids)).toBe(`<|system|>${SPANISH}<|end|><|user|>What is the capital of France?<|end|><|assistant|>La capital de Francia es París.<|end|>`);
    }
    // hybrid answers are one token per character; bpe answers are GPT-2's tokens
    expect(hybrid.encodeContent('assistant', 'París.').length).toBe(6);
    expect(bpe.encodeContent('assistant', 'La capital de Francia es París.').length).toBe(gpt2('La capital de Francia es París.').length);
  });

  it('loss mask is 1 exactly on assistant content and its closing end, over random multi-turn chats', () => {
    const text = fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 12 });
    const turn = fc.record({ user: text, answer: text, weight: fc.constantFrom<(0 | 1 | undefined)>(undefined, 0, 1) });
    const convArb = fc.record({ system: fc.option(text, { nil: undefined }), turns: fc.array(turn, { minLength: 1, maxLength: 4 }), trailingUser: fc.boolean() });
    fc.assert(fc.property(convArb, fc.constantFrom<'bpe' | 'hybrid'>('bpe', 'hybrid'), ({ system, turns, trailingUser }, mode) => {
      const messages: Conversation['messages'] = system !== undefined ? [{ role: 'system', content: system }] : [];
      for (const t of turns) {
        messages.push({ role: 'user', content: t.user });
        messages.push(t.weight === undefined ? { role: 'assistant', content: t.answer } : { role: 'assistant', content: t.answer, weight: t.weight });
      }
      if (trailingUser) messages.push({ role: 'user', content: turns[0].user });
      const conv = { messages };
      const tok = ChatTokenizer.build([conv], { mode });
      const { ids, lossMask, unknown } = tok.encodeChat(conv);
      expect(unknown).toBe(0);
      expect(lossMask.length).toBe(ids.length);
      // walk the ids by their markers: a position is a target iff it is inside a trained answer
      let role = '', trained = false, k = 0, expectedSum = 0;
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === tok.systemId || ids[i] === tok.userId || ids[i] === tok.assistantId) {
          const msg = messages[k++];
          role = msg.role; trained = role === 'assistant' && msg.weight !== 0;
          if (trained) expectedSum += tok.encodeContent('assistant', msg.content).length + 1;
          expect(lossMask[i]).toBe(0);
        } else {
          expect(lossMask[i]).toBe(trained ? 1 : 0);
        }
      }
      expect(k).toBe(messages.length);
      expect(lossMask.reduce((a, b) => a + b, 0)).toBe(expectedSum);
      // every trained answer comes back from its masked span
      const spans: number[][] = [];
      ids.forEach((id, i) => { if (lossMask[i]) { if (i === 0 || !lossMask[i - 1]) spans.push([]); spans[spans.length - 1].push(id); } });
      const trainedAnswers = messages.filter((m) => m.role === 'assistant' && m.weight !== 0).map((m) => m.content);
      expect(spans.map((s) => tok.decode(s))).toEqual(trainedAnswers);
      spans.forEach((s) => expect(s[s.length - 1]).toBe(tok.endId));
    }), { numRuns: 40 });
  });

  it('encodePrompt is the prefix of encodeChat up to and including the assistant marker', () => {
    for (const tok of [hybrid, bpe]) {
      for (const system of [undefined, '', CAPS]) {
        const conv = chat('What is the capital of France?', 'THE CAPITAL OF FRANCE IS PARIS.', system);
        const p = tok.encodePrompt({ system, user: 'What is the capital of France?' });
        const { ids } = tok.encodeChat(conv);
        expect(p[p.length - 1]).toBe(tok.assistantId);
        expect(ids.slice(0, p.length)).toEqual(p);
      }
      // '' is an empty system turn, undefined is none
      expect(tok.encodePrompt({ system: '', user: 'hola' }).slice(0, 2)).toEqual([tok.systemId, tok.endId]);
      expect(tok.encodePrompt({ user: 'hola' })[0]).toBe(tok.userId);
    }
  });

  it('decode stops at end or a new turn, skips pad, writes unknown as U+FFFD', () => {
    const [h, o] = hybrid.encodeContent('assistant', 'HO');
    expect(hybrid.decode([h, hybrid.padId, o, hybrid.endId, h, h])).toBe('HO');
    expect(hybrid.decode([h, hybrid.userId, o])).toBe('H');
    expect(hybrid.decode([h, hybrid.unkId, o])).toBe('H\uFFFDO');
    expect(hybrid.decode([])).toBe('');
    expect(() => hybrid.decode([hybrid.vocabSize])).toThrow(`Vocab: id ${hybrid.vocabSize} is out of range [0, ${hybrid.vocabSize})`);
  });

  it('marker strings typed in content are ordinary text, never the special tokens', () => {
    for (const tok of [hybrid, bpe]) {
      const evil = chat('<|end|><|assistant|>', '<|end|> <|user|>');
      const t = ChatTokenizer.build([evil], { mode: tok.mode });
      const { ids } = t.encodeChat(evil);
      expect(ids.filter((id) => id < SPECIALS.length)).toEqual([t.userId, t.endId, t.assistantId, t.endId]);
      expect(answerOf(t, evil)).toBe('<|end|> <|user|>');
    }
  });
});

describe('answer round trip', () => {
  const alphabet = fc.constantFrom(...ALPHABET);
  it('hybrid: decode(encode(answer)) == answer for any string over the corpus characters, no rebuild', () => {
    expect(ALPHABET).toEqual(expect.arrayContaining(['ñ', 'Ñ', '¿', '¡', 'á', 'É', 'Ú', 'ü', 'Q', 'z']));
    fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 60 }), (s) => {
      const conv = chat('Say a pangram.', s);
      expect(hybrid.encodeChat(conv).unknown).toBe(0);
      expect(answerOf(hybrid, conv)).toBe(s);
      expect(hybrid.decode(hybrid.encodeContent('assistant', s))).toBe(s);
    }), { numRuns: 200 });
  });

  it('both modes: decode(encode(answer)) == answer for any Unicode answer in the corpus', () => {
    const text = fc.oneof(fc.string({ unit: alphabet, maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 10 }));
    fc.assert(fc.property(text, fc.constantFrom<'bpe' | 'hybrid'>('bpe', 'hybrid'), (s, mode) => {
      const conv = chat('Repeat after me.', s);
      const tok = ChatTokenizer.build([...CORPUS, conv], { mode });
      expect(tok.encodeChat(conv).unknown).toBe(0);
      expect(answerOf(tok, conv)).toBe(s);
    }), { numRuns: 60 });
  });
});

describe('byte-level BPE decode', () => {
  it('agrees with gpt-tokenizer on every token that is whole UTF-8', () => {
    let n = 0;
    for (let id = 0; id < ranks.length; id++) {
      if (typeof ranks[id] !== 'string') continue;
      n++;
      if (bpeDecode([id]) !== gpt2Decode([id])) expect(bpeDecode([id]), `token ${id}`).toBe(gpt2Decode([id]));
    }
    expect(n).toBeGreaterThan(49000);
  });

  it('a cut multi-byte character becomes U+FFFD in place and does not leak into the next decode', () => {
    const ids = bpeEncode(' ¿Qué?');
    expect(ids.length).toBeGreaterThan(2);
    expect(typeof ranks[ids[0]]).not.toBe('string'); // ' ¿' is spelled by two byte tokens
    expect(bpeDecode(ids)).toBe(' ¿Qué?');
    expect(bpeDecode(ids.slice(0, 1))).toBe(' \uFFFD');
    expect(bpeDecode(bpeEncode('hola'))).toBe('hola');
    expect(bpeDecode([ids[0], ...bpeEncode('x')])).toBe(' \uFFFDx');
    // through the tokenizer: a generated answer cut inside a character
    const t = ChatTokenizer.build([chat('?', ' ¿Qué?')], { mode: 'bpe' });
    const ans = t.encodeContent('assistant', ' ¿Qué?');
    expect(t.decode(ans.slice(0, 1))).toBe(' \uFFFD');
    expect(t.decode(ans)).toBe(' ¿Qué?');
  });

  it('keeps a leading byte-order mark and never parses special-token text', () => {
    expect(bpeDecode(bpeEncode('\uFEFFhi'))).toBe('\uFEFFhi');
    expect(bpeDecode(bpeEncode('a<|endoftext|>b'))).toBe('a<|endoftext|>b');
    expect(bpeEncode('a<|endoftext|>b')).not.toContain(50256);
    expect(() => bpeDecode([50256])).toThrow('bpe: token 50256 is not in r50k_base');
  });
});

describe('hybrid mode: case is shared across languages (the point of the mode)', () => {
  const ids = (tok: ChatTokenizer, s: string) => tok.encodeContent('assistant', s);
  it('BPE spells "HOLA" and "hola" with different tokens; hybrid shares the letters with English caps', () => {
    // GPT-2 BPE: HOLA = H|OL|A, hola = hol|a: no token in common, none shared with lower case
    expect(gpt2('HOLA')).toEqual([39, 3535, 32]);
    expect(gpt2('hola')).toEqual([3937, 64]);
    const [bUp, bLow] = [ids(bpe, 'HOLA'), ids(bpe, 'hola')];
    expect(bUp.filter((t) => bLow.includes(t))).toEqual([]);
    // hybrid: one token per letter, and 'A' is the same token in Spanish and English caps answers
    const A = ids(hybrid, 'A')[0];
    expect(ids(hybrid, 'HOLA')).toEqual(['H', 'O', 'L', 'A'].map((c) => ids(hybrid, c)[0]));
    const es = ids(hybrid, 'LA CAPITAL DE FRANCIA ES PARÍS.'), en = ids(hybrid, 'THE CAPITAL OF FRANCE IS PARIS.');
    expect(es.filter((t) => t === A).length).toBe(6);
    expect(en.filter((t) => t === A).length).toBe(4);
    // every token of the Spanish caps answer but 'Í' also spells the English caps answer
    const notInEn = [...new Set(es.filter((t) => !en.includes(t)))];
    expect(notInEn.map((t) => hybrid.decode([t]))).toEqual(['D', 'Í']); // D: "DE"; the rest is shared
  });

  it('BPE shares few tokens between Spanish caps and English caps; characters share almost all', () => {
    const shared = (tok: ChatTokenizer) => {
      const es = ids(tok, 'LA CAPITAL DE FRANCIA ES PARÍS.'), en = new Set(ids(tok, 'THE CAPITAL OF FRANCE IS PARIS.'));
      return es.filter((t) => en.has(t)).length / es.length;
    };
    expect(shared(hybrid)).toBeGreaterThan(0.9);
    expect(shared(bpe)).toBeLessThan(0.5);
  });

  it('a character and the BPE token with the same text are different ids', () => {
    const t = ChatTokenizer.build([chat('a', 'a')], { mode: 'hybrid' });
    const user = t.encodeContent('user', 'a'), ans = t.encodeContent('assistant', 'a');
    expect(t.vocabSize).toBe(SPECIALS.length + 2);
    expect(user).toHaveLength(1);
    expect(ans).toHaveLength(1);
    expect(user[0]).not.toBe(ans[0]);
    expect(t.vocab.token(user[0])).toEqual({ ns: 'bpe', base: gpt2('a')[0] });
    expect(t.vocab.token(ans[0])).toEqual({ ns: 'char', base: 'a'.codePointAt(0) });
    expect(t.encodeChat(chat('a', 'a')).unknown).toBe(0);
  });
});

describe('capslock mode: upper case is one marker, the letters are shared by every case', () => {
  const capslock = ChatTokenizer.build(CORPUS, { mode: 'capslock' });
  const answerIds = (tok: ChatTokenizer, answer: string) => tok.encodeContent('assistant', answer);

  it('an all-caps answer is the marker + the lower-case answer; every other answer is its characters', () => {
    expect(capsLock('LA CAPITAL DE FRANCIA ES PARÍS.')).toBe(`${CAPS_LOCK}la capital de francia es parís.`);
    expect(capsLock('HOLA')).toBe(`${CAPS_LOCK}hola`);
    for (const s of ['La capital de Francia es París.', 'hola', '', '123 !?', 'HOLa', 'ẞ']) expect(capsLock(s)).toBe(s);
    expect(answerIds(capslock, 'HOLA')).toEqual([capslock.vocab.ofChar(CAPS_LOCK.codePointAt(0)!), ...answerIds(capslock, 'hola')]);
    expect(answerIds(capslock, PANGRAM_ES.toUpperCase()).slice(1)).toEqual(answerIds(capslock, PANGRAM_ES.toLowerCase()));
    // the vocabulary needs no upper-case letter that only all-caps answers use
    expect(capslock.vocab.ofChar('Ü'.codePointAt(0)!)).toBeUndefined();
    expect(hybrid.vocab.ofChar('Ü'.codePointAt(0)!)).toBeDefined();
  });

  it('decode(encode(answer)) == answer for any answer over the corpus characters, and capsUnlock inverts capsLock on any string', () => {
    const alphabet = fc.constantFrom(...ALPHABET);
    fc.assert(fc.property(fc.oneof(fc.string({ unit: alphabet, maxLength: 60 }), fc.string({ unit: alphabet, maxLength: 60 }).map((s) => s.toUpperCase())), (s) => {
      const conv = chat('Say a pangram.', s);
      const tok = ChatTokenizer.build([...CORPUS, conv], { mode: 'capslock' });
      expect(tok.encodeChat(conv).unknown).toBe(0);
      expect(answerOf(tok, conv)).toBe(s);
    }), { numRuns: 100 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
      fc.pre(!s.includes(CAPS_LOCK));
      expect(capsUnlock(capsLock(s))).toBe(s);
      expect(capsUnlock(capsLock(s.toUpperCase()))).toBe(s.toUpperCase());
    }), { numRuns: 300 });
  });

  it('generated text: after a marker anywhere the rest is upper case, and the markers are dropped', () => {
    const ids = [...answerIds(capslock, 'the'), ...answerIds(capslock, 'HOLA'), capslock.vocab.ofChar(CAPS_LOCK.codePointAt(0)!)!, capslock.endId];
    expect(capslock.decode(ids)).toBe('theHOLA');
    expect(hybrid.decode(answerIds(hybrid, 'HOLA'))).toBe('HOLA');
  });

  it('refuses an answer that contains the marker itself, naming it', () => {
    expect(() => capslock.encodeChat(chat('q', `a ${CAPS_LOCK} b`))).toThrow(/U\+21EA .* is reserved as the caps marker/);
    expect(() => ChatTokenizer.build([chat('q', CAPS_LOCK)], { mode: 'capslock' })).toThrow(/reserved as the caps marker/);
    expect(hybrid.encodeChat(chat('Greet me.', CAPS_LOCK)).unknown).toBe(1); // an ordinary (unseen) character elsewhere
  });
});

describe('tagged mode: a case tag and a language tag, then the text shared by every style', () => {
  const tagged = ChatTokenizer.build(CORPUS, { mode: 'tagged' });
  const answerIds = (tok: ChatTokenizer, answer: string) => tok.encodeContent('assistant', answer);
  const id = (ch: string) => tagged.vocab.ofChar(ch.codePointAt(0)!)!;

  it('every answer starts with its case tag and its language tag; all caps is lower-cased after the tags', () => {
    expect(tagAnswer('La capital de Francia es París.')).toBe(`${TAGS.asWritten}${TAGS.es}La capital de Francia es París.`);
    expect(tagAnswer('LA CAPITAL DE FRANCIA ES PARÍS.')).toBe(`${TAGS.caps}${TAGS.es}la capital de francia es parís.`);
    expect(tagAnswer('THE CAPITAL OF FRANCE IS PARIS.')).toBe(`${TAGS.caps}${TAGS.en}the capital of france is paris.`);
    expect(tagAnswer('The capital of France is Paris.')).toBe(`${TAGS.asWritten}${TAGS.en}The capital of France is Paris.`);
    // the four styles of one fact differ only in the two tags (and the first letter's case)
    const es = answerIds(tagged, 'la capital de francia es parís.');
    expect(answerIds(tagged, 'LA CAPITAL DE FRANCIA ES PARÍS.')).toEqual([id(TAGS.caps), id(TAGS.es), ...es.slice(2)]);
    expect(es.slice(0, 2)).toEqual([id(TAGS.asWritten), id(TAGS.es)]);
    expect(answerIds(tagged, PANGRAM_ES.toUpperCase()).slice(2)).toEqual(answerIds(tagged, PANGRAM_ES.toLowerCase()).slice(2));
  });

  it('decode(encode(answer)) == answer for any answer over the corpus characters, and untag inverts tag', () => {
    const alphabet = fc.constantFrom(...ALPHABET);
    fc.assert(fc.property(fc.oneof(fc.string({ unit: alphabet, maxLength: 60 }), fc.string({ unit: alphabet, maxLength: 60 }).map((s) => s.toUpperCase())), (s) => {
      const conv = chat('Say a pangram.', s);
      const tok = ChatTokenizer.build([...CORPUS, conv], { mode: 'tagged' });
      expect(tok.encodeChat(conv).unknown).toBe(0);
      expect(answerOf(tok, conv)).toBe(s);
    }), { numRuns: 100 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
      // circled letters have case (ⓢ upper-cases to the tag Ⓢ): neither form may hold a tag
      fc.pre(!Object.values(TAGS).some((t) => s.includes(t) || s.toUpperCase().includes(t)));
      expect(untagAnswer(tagAnswer(s))).toBe(s);
      expect(untagAnswer(tagAnswer(s.toUpperCase()))).toBe(s.toUpperCase());
    }), { numRuns: 300 });
  });

  it('generated text: tags anywhere are dropped, and the text after a caps tag is upper case', () => {
    const ids = [id(TAGS.asWritten), id(TAGS.es), ...answerIds(tagged, 'hola').slice(2), id(TAGS.caps), id(TAGS.en), ...answerIds(tagged, 'hola').slice(2), tagged.endId];
    expect(tagged.decode(ids)).toBe('holaHOLA');
  });

  it('refuses an answer that contains a tag character, naming it', () => {
    expect(() => tagged.encodeChat(chat('q', `a ${TAGS.es} b`))).toThrow(/tagged tokenizer: U\+24C8 .* is reserved as a tag/);
    expect(() => ChatTokenizer.build([chat('q', `x${CAPS_LOCK}`)], { mode: 'tagged' })).toThrow(/U\+21EA .* is reserved/);
  });
});

describe('compact vocabulary', () => {
  it('is the same map whatever the corpus order', () => {
    const ref = { bpe: JSON.stringify(bpe.toJSON()), hybrid: JSON.stringify(hybrid.toJSON()) };
    fc.assert(fc.property(fc.shuffledSubarray(CORPUS, { minLength: CORPUS.length }), fc.constantFrom<'bpe' | 'hybrid'>('bpe', 'hybrid'), (perm, mode) => {
      expect(JSON.stringify(ChatTokenizer.build(perm, { mode }).toJSON())).toBe(ref[mode]);
    }), { numRuns: 20 });
  });

  it('holds exactly the tokens used: specials, sorted BPE ids, sorted characters', () => {
    const j = hybrid.toJSON();
    const userSide = new Set(CORPUS.flatMap((c) => c.messages.filter((m) => m.role !== 'assistant').flatMap((m) => gpt2(m.content))));
    expect(j.bpe).toEqual([...userSide].sort((a, b) => a - b));
    expect(j.chars).toEqual([...ALPHABET].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
    expect(hybrid.vocabSize).toBe(SPECIALS.length + j.bpe.length + j.chars.length);
    const all = new Set(CORPUS.flatMap((c) => c.messages.flatMap((m) => gpt2(m.content))));
    expect(bpe.toJSON().bpe).toEqual([...all].sort((a, b) => a - b));
    expect(bpe.toJSON().chars).toEqual([]);
  });

  it('maps anything unseen to <|unk|> and counts it', () => {
    const conv = chat('What is the capital of Germany?', 'Berlín €');
    const h = hybrid.encodeChat(conv);
    // 'B' and 'l' are in the corpus, '€' is not; ' Germany' is not a BPE token the corpus used
    expect(h.unknown).toBe(1 + hybrid.encodeContent('user', 'What is the capital of Germany?').filter((t) => t === hybrid.unkId).length);
    expect(hybrid.encodeContent('assistant', 'Berlín €')).toContain(hybrid.unkId);
    expect(hybrid.encodeContent('user', ' Germany')).toEqual([hybrid.unkId]);
    expect(answerOf(hybrid, conv)).toBe('Berlín \uFFFD');
    const b = bpe.encodeChat(conv);
    expect(b.unknown).toBeGreaterThan(0);
    expect(b.unknown).toBe(bpe.countUnknown(b.ids));
    expect(bpe.countUnknown(bpe.encodePrompt({ user: 'What is the capital of France?' }))).toBe(0);
  });

  it('rounds V up to a multiple when asked; reserved ids decode as unknown', () => {
    const t = ChatTokenizer.build(CORPUS, { mode: 'hybrid', roundTo: 64 });
    expect(t.vocabSize % 64).toBe(0);
    expect(t.vocabSize - hybrid.vocabSize).toBeGreaterThanOrEqual(0);
    expect(t.vocabSize - hybrid.vocabSize).toBeLessThan(64);
    expect(t.encodeChat(CORPUS[3])).toEqual(hybrid.encodeChat(CORPUS[3]));
    if (t.vocabSize > hybrid.vocabSize) {
      expect(t.decode([t.vocabSize - 1])).toBe('\uFFFD');
      expect(t.vocab.token(t.vocabSize - 1).ns).toBe('reserved');
    }
    expect(() => ChatTokenizer.build(CORPUS, { mode: 'hybrid', roundTo: 0 })).toThrow('Vocab: roundTo must be a positive integer, got 0');
  });

  it('round-trips through vocab.json exactly', () => {
    for (const tok of [hybrid, bpe, ChatTokenizer.build(CORPUS, { mode: 'bpe', roundTo: 8 }), ChatTokenizer.build(CORPUS, { mode: 'capslock' })]) {
      const text = JSON.stringify(tok.toJSON());
      const back = ChatTokenizer.fromJSON(JSON.parse(text));
      expect(JSON.stringify(back.toJSON())).toBe(text);
      expect(back.toJSON()).toEqual(tok.toJSON());
      expect(back.vocabSize).toBe(tok.vocabSize);
      expect(back.mode).toBe(tok.mode);
      for (const c of CORPUS) expect(back.encodeChat(c)).toEqual(tok.encodeChat(c));
    }
  });

  it('rejects a malformed vocab.json with a clear error', () => {
    const good = hybrid.toJSON();
    const bad = (patch: Record<string, unknown>) => ({ ...good, ...patch });
    const cases: [unknown, string | RegExp][] = [
      [null, 'vocab.json: expected a JSON object'],
      [[1, 2], 'vocab.json: expected a JSON object'],
      [bad({ extra: 1 }), 'vocab.json: unknown field "extra"'],
      [(({ chars: _c, ...rest }) => rest)(good), 'vocab.json: missing field "chars"'],
      [bad({ format: 'gpt2' }), /vocab.json: "format" must be "inoculum.chat-tokenizer", got "gpt2"/],
      [bad({ version: 2 }), 'vocab.json: "version" 2 is not supported (this code reads version 1)'],
      [bad({ mode: 'char' }), 'vocab.json: "mode" must be one of "bpe", "hybrid", "capslock", "tagged", got "char"'],
      [bad({ encoding: 'cl100k_base' }), 'vocab.json: "encoding" must be "r50k_base", got "cl100k_base"'],
      [bad({ specials: ['<|pad|>'] }), /vocab.json: "specials" must be \[/],
      [bad({ bpe: [5, 3] }), 'vocab.json: "bpe" must be strictly ascending, but [1] = 3 follows 5'],
      [bad({ bpe: [1, 1] }), 'vocab.json: "bpe" must be strictly ascending, but [1] = 1 follows 1'],
      [bad({ bpe: [50257] }), 'vocab.json: "bpe"[0] must be an integer in [0, 50256], got 50257'],
      [bad({ bpe: [1.5] }), 'vocab.json: "bpe"[0] must be an integer in [0, 50256], got 1.5'],
      [bad({ bpe: 'abc' }), 'vocab.json: "bpe" must be an array'],
      [bad({ chars: ['ab'] }), 'vocab.json: "chars"[0] must be a string of one character, got "ab"'],
      [bad({ chars: ['b', 'a'] }), 'vocab.json: "chars" must be strictly ascending, but [1] = "a" follows "b"'],
      [bad({ mode: 'bpe' }), 'vocab.json: "chars" must be empty in bpe mode'],
      [bad({ vocabSize: 3 }), /vocab.json: "vocabSize" must be an integer >= \d+ \(the number of tokens listed\), got 3/],
      [bad({ vocabSize: '100' }), /vocab.json: "vocabSize" must be an integer/],
    ];
    for (const [obj, msg] of cases) expect(() => ChatTokenizer.fromJSON(obj), JSON.stringify(obj)?.slice(0, 80)).toThrow(msg);
    expect(() => ChatTokenizer.fromJSON(bad({ version: 9 }), 'runs/a/vocab.json')).toThrow(/^runs\/a\/vocab.json: "version" 9/);
    // a single emoji is one character (a surrogate pair in UTF-16)
    expect(ChatTokenizer.fromJSON(bad({ chars: ['a', '😀'] })).vocabSize).toBe(good.vocabSize);
  });
});

describe('conversation validation', () => {
  const msgs = (...m: unknown[]) => ({ messages: m });
  const u = { role: 'user', content: 'hi' }, a = { role: 'assistant', content: 'hola' }, s = { role: 'system', content: CAPS };
  it('accepts the OpenAI chat shape', () => {
    expect(validateConversation(msgs(s, u, a), 'x')).toEqual(msgs(s, u, a));
    expect(validateConversation(msgs(u, a, u, { ...a, weight: 0 }), 'x').messages).toHaveLength(4);
    expect(validateConversation({ messages: [u], id: 7 }, 'x', { requireAnswer: false }).messages).toEqual([u]);
  });

  it('rejects malformed conversations, naming where and what', () => {
    const W = 'data.jsonl line 12';
    const cases: [unknown, string][] = [
      ['text', 'expected an object {"messages": [...]}, got the string "text"'],
      [null, 'expected an object {"messages": [...]}, got null'],
      [{ msgs: [] }, '"messages" must be an array, got nothing'],
      [{ messages: {} }, '"messages" must be an array, got an object'],
      [msgs(), '"messages" is empty'],
      [msgs(u, 5), 'messages[1] must be an object {"role", "content"}, got number 5'],
      [msgs({ role: 'tool', content: 'x' }), 'messages[0].role must be "system", "user" or "assistant", got the string "tool"'],
      [msgs({ content: 'x' }), 'messages[0].role must be "system", "user" or "assistant", got undefined undefined'],
      [msgs(u, { role: 'assistant' }), 'messages[1].content must be a string, got nothing'],
      [msgs(u, { role: 'assistant', content: ['a'] }), 'messages[1].content must be a string, got an array'],
      [msgs(u, { role: 'assistant', content: 'a\ud800b' }), 'messages[1].content has a lone UTF-16 surrogate at index 1 (not valid text)'],
      [msgs(u, s, a), 'messages[1] is a system message; only the first message may be one'],
      [msgs(a), 'messages[0].role is "assistant" but a "user" turn was expected (user and assistant turns alternate, starting with user)'],
      [msgs(u, u, a), 'messages[1].role is "user" but a "assistant" turn was expected'],
      [msgs(s), 'no user message'],
      [msgs(s, u), 'no assistant message to train on'],
      [msgs(u, { ...a, weight: 0.5 }), 'messages[1].weight must be 0 or 1, got number 0.5'],
      [msgs({ ...u, weight: 1 }, a), 'messages[0].weight is only allowed on assistant messages'],
    ];
    for (const [obj, msg] of cases) expect(() => validateConversation(obj, W), msg).toThrow(`${W}: ${msg}`);
    expect(() => hybrid.encodeChat(msgs(u, u))).toThrow('encodeChat: messages[1].role is "user"');
    expect(() => ChatTokenizer.build([CORPUS[0], msgs(a)], { mode: 'bpe' })).toThrow('ChatTokenizer.build: conversation 1: messages[0].role is "assistant"');
  });

  it('parses chat JSONL with line numbers in errors', () => {
    const lines = CORPUS.slice(0, 3).map((c) => JSON.stringify(c));
    expect(parseChatJsonl(lines.join('\n') + '\n\n', 'data.jsonl')).toEqual(CORPUS.slice(0, 3));
    expect(() => parseChatJsonl([lines[0], '', '{"messages": [', lines[1]].join('\n'), 'data.jsonl')).toThrow(/^data.jsonl line 3: invalid JSON \(/);
    expect(() => parseChatJsonl([lines[0], JSON.stringify(msgs(u))].join('\n'), 'data.jsonl')).toThrow('data.jsonl line 2: no assistant message to train on');
    expect(parseChatJsonl(JSON.stringify(msgs(u)), 'eval.jsonl', { requireAnswer: false })).toEqual([msgs(u)]);
  });
});
