// A one-line progress bar on stderr: step, loss, tokens/s, ETA. Redraws in place on a TTY and
// prints a line every few seconds otherwise (CI logs).
export class Progress {
  private start = performance.now();
  private lastPrint = 0;
  constructor(readonly label: string, readonly total: number, readonly quiet = false) {}

  update(done: number, fields: Record<string, string | number> = {}): void {
    if (this.quiet) return;
    const now = performance.now();
    const tty = process.stderr.isTTY;
    if (!tty && now - this.lastPrint < 5000 && done < this.total) return;
    this.lastPrint = now;
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    const width = 24, fill = Math.round((width * done) / Math.max(1, this.total));
    const bar = '#'.repeat(fill) + '.'.repeat(width - fill);
    const extra = Object.entries(fields).map(([k, v]) => `${k} ${typeof v === 'number' ? fmtNum(v) : v}`).join('  ');
    const line = `${this.label} [${bar}] ${done}/${this.total}  ${extra}  ${fmtTime(elapsed)} elapsed, ETA ${fmtTime(eta)}`;
    process.stderr.write(tty ? `\r${line.padEnd(process.stderr.columns ? Math.min(process.stderr.columns - 1, 160) : 120)}` : `${line}\n`);
  }
  finish(): void {
    if (!this.quiet && process.stderr.isTTY) process.stderr.write('\n');
  }
}

const fmtNum = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(4));
export const fmtTime = (s: number) => (s < 60 ? `${s.toFixed(0)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`);
