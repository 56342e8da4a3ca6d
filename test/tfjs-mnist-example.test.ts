// examples/tfjs-mnist.ts as a user runs it (a child process), shortened: 400 digits, 40 steps of
// 128 pairs. What it prints is checked: the learned embedding's gap to the closed-form optimum,
// the tfjs populationLoss op against the float64 kernel on the same embedding, and the loss curve
// it draws. On wasm always; on webgpu (lavapipe) where a WebGPU adapter exists, in its own child
// process (one device per process), where it must train like wasm.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './helpers/cli.js';
import { testNeeding } from './helpers/requirements.js';

interface Run {
  /** The relative gap (L - L*) / |L*| before training and at the end, from the printed percentages. */
  initialGap: number;
  finalGap: number;
  /** The last population loss printed during training (the tfjs op, float32 on the backend) and
   * the final one (the main entry's float64 kernel on the same embedding). */
  lastTfjsPopulation: number;
  finalPopulation: number;
  svg: string;
  stdout: string;
}

function runExample(backend: string): Promise<Run> {
  const dir = mkdtempSync(path.join(tmpdir(), 'speclin-tfjs-mnist-'));
  const out = path.join(dir, 'loss.svg');
  const args = ['--import', 'tsx', path.join(repoRoot, 'examples', 'tfjs-mnist.ts'), '--backend', backend, '--n', '400', '--steps', '40', '--batch', '128', '--every', '20', '--out', out];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => {
      try {
        if (status !== 0) throw new Error(`the example exited with ${status}:\n${stdout}\n${stderr}`);
        const match = (re: RegExp) => {
          const m = re.exec(stdout);
          if (!m) throw new Error(`no line matching ${re} in:\n${stdout}`);
          return Number(m[1]);
        };
        const populations = [...stdout.matchAll(/^step \d+: minibatch loss \S+, population loss (\S+)/gm)].map((m) => Number(m[1]));
        resolve({
          initialGap: match(/^step 0: population loss \S+, relative gap (\S+)%/m) / 100,
          finalGap: match(/^final population loss \S+, optimum \S+, relative gap (\S+)%/m) / 100,
          lastTfjsPopulation: populations.at(-1) ?? NaN,
          finalPopulation: match(/^final population loss (\S+),/m),
          svg: readFileSync(out, 'utf8'),
          stdout,
        });
      } catch (e) {
        reject(e);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

function checkRun(t: import('ava').ExecutionContext, r: Run): void {
  t.log(r.stdout.split('\n').filter((l) => /^(step 0|final)/.test(l)).join('\n'));
  // The optimum is the minimum of the population loss over every 400 x 8 embedding, so the gap is
  // not negative (up to the printed rounding, 0.005%). Training from the seeded initialization
  // starts at a gap of ~79% and was observed at 21.1% after these 40 steps on cpu, wasm and webgpu;
  // 35% leaves room for another machine's rounding and still fails a model that does not train
  // (the gap stays near 79%) or trains the wrong way (it grows).
  t.true(Number.isFinite(r.finalGap), `gap ${r.finalGap}`);
  t.true(r.finalGap >= -5e-5, `gap ${r.finalGap} below 0: the embedding beats the optimum`);
  t.true(r.finalGap < 0.35, `gap ${r.finalGap} after 40 steps (observed 0.211)`);
  t.true(r.finalGap < r.initialGap / 2, `gap ${r.initialGap} -> ${r.finalGap}`);
  // The tfjs op (float32 sums on the backend) and the float64 kernel agree on the final embedding:
  // both print 5 decimals of a loss of size ~5, and float32 sums over ~6000 graph entries err by
  // well under 1e-4 relative here.
  t.true(Math.abs(r.lastTfjsPopulation - r.finalPopulation) <= 1e-4 * Math.abs(r.finalPopulation), `${r.lastTfjsPopulation} vs ${r.finalPopulation}`);
  // The loss curve (src/report/svg.ts's lineChart): the three series, named in the legend, each one
  // path with a vertex per point: 40 minibatch losses, the population loss at steps 0, 20, 40, and
  // the optimum's two ends.
  for (const name of ['minibatch loss', 'population loss', 'closed-form optimum']) t.true(r.svg.includes(`>${name}</text>`), name);
  const vertices = [...r.svg.matchAll(/<path d="([^"]*)"/g)].map((m) => (m[1].match(/[ML]/g) ?? []).length);
  t.deepEqual(vertices, [40, 3, 2]);
}

// Started at once: the webgpu run (lavapipe, slower) overlaps the wasm one.
const wasm = runExample('wasm');
wasm.catch(() => {});

test("examples/tfjs-mnist.ts on wasm: a tf.sequential encoder trained with speclin's loss approaches the closed-form optimum", async (t) => {
  checkRun(t, await wasm);
});

testNeeding('webgpu')('examples/tfjs-mnist.ts on webgpu trains as on wasm', async (t) => {
  const r = await runExample('webgpu');
  checkRun(t, r);
  // Same seed, same batches; the two backends differ by float32 rounding only, which 40 Adam
  // steps do not amplify: observed equal to the 4 decimals printed (21.07% both).
  const w = await wasm;
  t.true(Math.abs(r.finalGap - w.finalGap) <= 2e-3, `webgpu gap ${r.finalGap} vs wasm ${w.finalGap}`);
});
