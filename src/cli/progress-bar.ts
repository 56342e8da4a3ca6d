// Progress bars on stderr. On a terminal a bar redraws in place (at most ~10 times a second); when
// stderr is a file or a pipe, each stage prints one line when it ends, so logs stay readable.
export class ProgressBar {
  private lastDraw = 0;
  private readonly started = performance.now();
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = true,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, note = ''): void {
    if (!this.enabled || !this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    this.draw(done, note);
  }

  /** Changes the expected total (an eigensolver learns its iteration count as it goes). */
  setTotal(total: number): void {
    this.total = Math.max(1, total);
  }

  finish(note = ''): number {
    const seconds = (performance.now() - this.started) / 1000;
    if (!this.enabled) return seconds;
    if (this.tty) {
      this.draw(this.total, note);
      this.stream.write('\n');
    } else {
      this.stream.write(`${this.label.padEnd(10)} done in ${seconds.toFixed(1)} s${note ? `  ${note}` : ''}\n`);
    }
    return seconds;
  }

  private draw(done: number, note: string): void {
    const width = 20;
    const fraction = Math.min(1, Math.max(0, done / Math.max(1, this.total)));
    const filled = Math.round(fraction * width);
    const seconds = (performance.now() - this.started) / 1000;
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const line = `${this.label.padEnd(10)} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${seconds.toFixed(1).padStart(6)} s ${note}`;
    // A pseudo-terminal may report 0 columns: fall back to 100.
    const columns = this.stream.columns || 100;
    this.stream.write(`\r${line.slice(0, columns - 1).padEnd(Math.min(columns - 1, 100))}`);
  }
}
