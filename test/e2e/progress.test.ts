/**
 * @fileoverview Progress on long work: `check`, `report --input`, `estimate --sweep` and csim's
 * compiler step draw a progress bar on a terminal (a fake TTY stream here), and write nothing to it
 * when stderr is not a terminal or with --json; stdout is the same either way.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { dataDir } from '../helpers/data.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-progress-'));
const caseDir = path.join(dataDir, 'reference/hls4ml/jet_mlp_3layer_model_stable');
const model = path.join(dataDir, 'models/jet_mlp_3layer/KERAS_3layer.json');
const X = path.join(caseDir, 'X.npy');
const cfg = path.join(caseDir, 'config.yml');

/** A terminal as cli-progress sees it: isTTY, a width, and everything written kept. */
function fakeTerminal(): { write(s: string): boolean; isTTY: boolean; columns: number; text: string } {
  const t = { isTTY: true, columns: 120, text: '', write: (s: string) => ((t.text += s), true) };
  return t;
}

async function run(args: string[], tty: boolean): Promise<{ code: number; out: string; bar: string }> {
  const term = fakeTerminal();
  let out = '';
  const io: CliIO = { out: (t) => void (out += t), err: () => {}, cwd: tmp, isTTY: tty, progressStream: term, env: { FASTML_PROGRESS_DELAY_MS: '0' } };
  const code = await main(args, io);
  return { code, out, bar: term.text };
}

describe('progress on a terminal, silence elsewhere', () => {
  it('check: a bar per phase on a TTY; none without a TTY or with --json; same stdout', async () => {
    const tty = await run(['check', model, '-i', X, '-c', cfg], true);
    expect(tty.bar).toMatch(/check: fixed-point emulation \[.*\] \d+% \| \d+\/2000 samples/);
    expect(tty.bar).toMatch(/check: float64 reference/);
    const pipe = await run(['check', model, '-i', X, '-c', cfg], false);
    expect(pipe.bar).toBe('');
    expect(pipe.out).toBe(tty.out);
    const json = await run(['check', model, '-i', X, '-c', cfg, '--json'], true);
    expect(json.bar).toBe('');
    expect(JSON.parse(json.out).samples).toBe(2000);
  });

  it('report --input: the check phases on a TTY; none with --json', async () => {
    const tty = await run(['report', model, '-i', X, '-c', cfg, '--html', path.join(tmp, 'r.html')], true);
    expect(tty.code).toBe(0);
    expect(tty.bar).toMatch(/check: fixed-point emulation/);
    const json = await run(['report', model, '-i', X, '-c', cfg, '--json'], true);
    expect(json.bar).toBe('');
    expect(JSON.parse(json.out).check.samples).toBe(2000);
  });

  it('estimate --sweep: design points counted on a TTY; none with --json', async () => {
    const tty = await run(['estimate', model, '--sweep', 'reuse=1,2,4'], true);
    expect(tty.bar).toMatch(/sweep \[.*\] \d+% \| 3\/3 design points/);
    const json = await run(['estimate', model, '--sweep', 'reuse=1,2,4', '--json'], true);
    expect(json.bar).toBe('');
    expect(JSON.parse(json.out)).toHaveLength(3);
  });

  describe('csim', () => {
    let dir: string;
    let slowCxx: string;
    beforeAll(async () => {
      dir = path.join(tmp, 'proj');
      expect((await run(['compile', model, '-c', cfg, '-o', dir], false)).code).toBe(0);
      // A compiler that takes a while and then fails: the progress is about the wait.
      slowCxx = path.join(tmp, 'slow-cxx.sh');
      writeFileSync(slowCxx, '#!/bin/sh\nsleep 1\necho "slow-cxx: error: stopped on purpose" >&2\nexit 1\n');
      chmodSync(slowCxx, 0o755);
    });

    it('the compiler step shows the elapsed time on a TTY, nothing without one', async () => {
      const tty = await run(['csim', dir, '--cxx', slowCxx], true);
      expect(tty.code).toBe(1);
      expect(tty.bar).toMatch(/csim: compiling with .*slow-cxx\.sh \.\.\. \d+s/);
      const pipe = await run(['csim', dir, '--cxx', slowCxx], false);
      expect(pipe.code).toBe(1);
      expect(pipe.bar).toBe('');
    });
  });
});
