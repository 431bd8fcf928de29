/**
 * @fileoverview `fastml sweep` with the local executor (a stand-in vendor command), a resumed run after a
 * failed point, `sweep collect` against the stand-in's figures, `fastml calibrate --from` (constants
 * change, error on the user's points falls, the shipped calibration is untouched), and bad input: an
 * invalid grid refused before anything is written, every problem listed; sbatch missing or failing.
 */

import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { standinFigures, writeStandin } from '../helpers/hls-standin.js';

const root = process.cwd();
const jet = path.join(root, 'models/jet_tagger.onnx');

async function cli(cwd: string, argv: string[], env: Record<string, string> = {}) {
  const io = memoryIO(cwd);
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) (saved[k] = process.env[k]), (process.env[k] = v);
  try {
    const code = await main(argv, io);
    return { code, out: io.stdout, err: io.stderr };
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

function parseCsv(text: string): Array<Record<string, string>> {
  const [head, ...rows] = text.trim().split('\n');
  const cols = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i]!, v])));
}

describe('fastml sweep (local executor)', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-sweep-'));

  it('writes one project per point, runs them 2 at a time, resumes after a failure, and collects', async () => {
    const hls = writeStandin(tmp, { failOnce: 2 });
    const args = ['sweep', jet, '--grid', 'reuse=1,2,4,8', 'strategy=resource', '--out', 'sw', '--executor', 'local:2', '--hls-cmd', hls];
    const first = await cli(tmp, args);
    expect(first.code).toBe(1); // one point failed
    expect(first.out).toContain('3 done, 1 failed (p1_resource_rf2');
    const m = JSON.parse(readFileSync(path.join(tmp, 'sw/sweep.json'), 'utf8'));
    expect(m.points.map((p: { name: string }) => p.name)).toEqual(['p0_resource_rf1', 'p1_resource_rf2', 'p2_resource_rf4', 'p3_resource_rf8']);
    for (const p of m.points) {
      expect(existsSync(path.join(tmp, 'sw', p.dir, 'fastml.lock.json'))).toBe(true);
      expect(p.estimate.total.dsp).toBeGreaterThan(0);
    }
    expect(readFileSync(path.join(tmp, 'sw/logs/p1_resource_rf2.log'), 'utf8')).toContain('licence server unreachable');
    const status1 = await cli(tmp, ['sweep', 'status', 'sw', '--json']);
    const st1 = JSON.parse(status1.out).points.map((p: { state: string }) => p.state);
    expect(st1).toEqual(['done', 'failed', 'done', 'done']);

    // Resume: only the failed point runs again; the finished projects are not rewritten.
    const lockBefore = readFileSync(path.join(tmp, 'sw/points/p0_resource_rf1/fastml.lock.json'), 'utf8');
    const second = await cli(tmp, args);
    expect(second.code).toBe(0);
    expect(second.err).toContain('3 point(s) already done');
    expect(second.out).toContain('1 done, 0 failed');
    expect(readFileSync(path.join(tmp, 'runs.txt'), 'utf8').trim().split('\n').sort()).toEqual(['p0_resource_rf1', 'p1_resource_rf2', 'p2_resource_rf4', 'p3_resource_rf8']);
    expect(readFileSync(path.join(tmp, 'sw/points/p0_resource_rf1/fastml.lock.json'), 'utf8')).toBe(lockBefore);

    const col = await cli(tmp, ['sweep', 'collect', 'sw']);
    expect(col.code).toBe(0);
    expect(col.out).toContain('4 points, 4 with a synthesis report');
    const rows = parseCsv(readFileSync(path.join(tmp, 'sw/results.csv'), 'utf8'));
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      const want = standinFigures(Number(r.reuse));
      expect(Number(r.syn_latency_cycles)).toBe(want.latency_cycles);
      expect(Number(r.syn_ii)).toBe(want.ii);
      expect(Number(r.syn_dsp)).toBe(want.dsp);
      expect(Number(r.syn_lut)).toBe(want.lut);
      expect(Number(r.syn_ff)).toBe(want.ff);
      const p = m.points.find((q: { name: string }) => q.name === r.name);
      expect(Number(r.est_dsp)).toBe(p.estimate.total.dsp);
      expect(r.strategy).toBe('resource');
    }
    // Latency grows and DSP falls with the reuse factor: every point is on the front.
    expect(rows.every((r) => r.pareto === '1')).toBe(true);
    const json = JSON.parse(readFileSync(path.join(tmp, 'sw/results.json'), 'utf8'));
    expect(json.frontOn).toBe('synthesis');

    // The design-space page of the collected sweep: the synthesized figures, every point on the front.
    const page = await cli(tmp, ['sweep', 'collect', 'sw', '--html', 'sweep.html']);
    expect(page.code).toBe(0);
    const html = readFileSync(path.join(tmp, 'sweep.html'), 'utf8');
    expect(html).toContain('data-sweep-points="4"');
    expect(html).toContain('data-pareto="4"');
    expect(html).toContain('4 of 4 points from their vendor csynth reports');
    expect(html).toContain(`"dsp":${standinFigures(8).dsp}`);
  });

  it('calibrate --from refits on the collected points, lowers their error, and leaves the shipped calibration alone', async () => {
    const shipped = path.join(root, 'src/estimate/calibration.json');
    const hash = () => createHash('sha256').update(readFileSync(shipped)).digest('hex');
    const before = hash();
    const r = await cli(tmp, ['calibrate', '--from', 'sw', '-o', 'mycal.json', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.points).toBe(4);
    expect(s.error.lut.after.median).toBeLessThan(s.error.lut.before.median);
    expect(s.error.ff.after.median).toBeLessThan(s.error.ff.before.median);
    expect(hash()).toBe(before);
    const cal = JSON.parse(readFileSync(path.join(tmp, 'mycal.json'), 'utf8'));
    const orig = JSON.parse(readFileSync(shipped, 'utf8'));
    expect(cal.kind).toBe('fastml-user-calibration');
    expect(JSON.stringify(cal.families)).not.toBe(JSON.stringify(orig.families));

    // estimate --calibration FILE uses it and says so.
    const e0 = await cli(tmp, ['estimate', jet, '--strategy', 'resource', '--reuse', '4', '--json']);
    const e1 = await cli(tmp, ['estimate', jet, '--strategy', 'resource', '--reuse', '4', '--calibration', 'mycal.json', '--json']);
    expect(e1.code).toBe(0);
    const lut0 = JSON.parse(e0.out).total.lut;
    const lut1 = JSON.parse(e1.out).total.lut;
    const truth = standinFigures(4).lut;
    expect(Math.abs(lut1 - truth)).toBeLessThan(Math.abs(lut0 - truth));

    // A file that is not a fastml calibration is never replaced.
    writeFileSync(path.join(tmp, 'notes.json'), '{"mine": true}\n');
    const refused = await cli(tmp, ['calibrate', '--from', 'sw', '-o', 'notes.json']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('not a fastml user calibration');
    expect(readFileSync(path.join(tmp, 'notes.json'), 'utf8')).toBe('{"mine": true}\n');
  });

  it('refuses an invalid grid before writing anything, listing every problem', async () => {
    const r = await cli(tmp, ['sweep', jet, '--grid', 'reuse=1,3,x', 'precision=fixed<16,6>,fixd<8,3>', 'colour=red', '--out', 'bad1']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('"x" is not a positive integer');
    expect(r.err).toContain('"fixd<8,3>"');
    expect(r.err).toContain('unknown axis "colour"');
    expect(existsSync(path.join(tmp, 'bad1'))).toBe(false);
    // Values that parse but that the passes refuse: an invalid Resource reuse factor, for each point.
    const r2 = await cli(tmp, ['sweep', jet, '--grid', 'reuse=3,7', 'strategy=resource', '--out', 'bad2']);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain('point p0_resource_rf3');
    expect(r2.err).toContain('point p1_resource_rf7');
    expect(r2.err).toMatch(/reuse factor 3 is not valid/);
    expect(existsSync(path.join(tmp, 'bad2'))).toBe(false);
    // A folder holding something else is refused, and left as it was.
    mkdirSync(path.join(tmp, 'mine'));
    writeFileSync(path.join(tmp, 'mine/data.txt'), 'x');
    const r3 = await cli(tmp, ['sweep', jet, '--grid', 'reuse=1', '--out', 'mine']);
    expect(r3.code).toBe(2);
    expect(r3.err).toContain('holds no fastml sweep');
    expect(readFileSync(path.join(tmp, 'mine/data.txt'), 'utf8')).toBe('x');
  });

  it('says clearly when sbatch is missing or fails, with its stderr', async () => {
    const bin = path.join(tmp, 'fakebin');
    mkdirSync(bin);
    const noSbatch = await cli(tmp, ['sweep', jet, '--grid', 'reuse=1,2', '--out', 'sl1', '--executor', 'slurm'], { PATH: '/nonexistent' });
    expect(noSbatch.code).toBe(2);
    expect(noSbatch.err).toContain('sbatch is not installed or not on PATH');
    writeFileSync(path.join(bin, 'sbatch'), '#!/bin/sh\necho "sbatch: error: invalid partition specified: gpu" >&2\nexit 1\n');
    chmodSync(path.join(bin, 'sbatch'), 0o755);
    const failing = await cli(tmp, ['sweep', jet, '--grid', 'reuse=1,2', '--out', 'sl2', '--executor', 'slurm', '--partition', 'gpu'], { PATH: `${bin}:${process.env.PATH}` });
    expect(failing.code).toBe(2);
    expect(failing.err).toContain('invalid partition specified: gpu');
    const script = readFileSync(path.join(tmp, 'sl2/slurm/sweep.sbatch'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-1');
    expect(script).toContain('#SBATCH --partition=gpu');
  });

  it('writes an HTCondor submit description (the file alone without condor_submit)', async () => {
    const r = await cli(tmp, ['sweep', jet, '--grid', 'reuse=1,2,4', '--out', 'co', '--executor', 'condor', '--mem', '4G'], { PATH: '/usr/bin:/bin' });
    expect(r.code).toBe(0);
    const sub = readFileSync(path.join(tmp, 'co/condor/sweep.sub'), 'utf8');
    expect(sub).toMatch(/^queue point from .*points\.txt$/m);
    expect(sub).toContain('request_memory = 4G');
    expect(readFileSync(path.join(tmp, 'co/condor/points.txt'), 'utf8')).toBe('0\n1\n2\n');
  });
});
