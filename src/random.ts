// Seeded random numbers. Every random choice in the project takes a Generator, so a run is
// reproducible from its seeds (torch.Generator-like, but explicit rather than global).

/** A small, fast, seedable generator (sfc32), with uniform, normal, integer and shuffle helpers. */
export class Generator {
  private a: number; private b: number; private c: number; private d: number;
  private spare: number | null = null;

  constructor(readonly seed: number) {
    // splitmix32 to spread the seed over the state
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next(); this.b = next(); this.c = next(); this.d = next();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
  /** Uniform in [0, 1). */
  uniform(): number { return this.nextU32() / 4294967296; }
  /** Standard normal (Box-Muller, caching the second draw). */
  normal(): number {
    if (this.spare !== null) { const s = this.spare; this.spare = null; return s; }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** Integer in [0, n). */
  int(n: number): number { return Math.floor(this.uniform() * n); }
  /** Fisher-Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) { const j = this.int(i + 1); [xs[i], xs[j]] = [xs[j], xs[i]]; }
    return xs;
  }
  /** The state, for checkpoints: a generator restored from it continues the same stream. */
  state(): number[] { return [this.a, this.b, this.c, this.d]; }
  static fromState(seed: number, st: number[]): Generator {
    const g = new Generator(seed);
    [g.a, g.b, g.c, g.d] = st;
    return g;
  }
}
