/**
 * @fileoverview Exit codes scripts can rely on (issue 11): 0 ok, 1 a check failed, 2 usage or input
 * error including a model fastml refuses (the same code from every command), 3 internal error; and
 * `--help` says so. csim names a missing folder as missing.
 */

import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { encodeModel, normal, rng } from '../../src/tools/onnx-writer.js';
import { projectRoot } from '../helpers/data.js';
import { InternalError } from '../../src/diagnostics/diagnostic.js';

async function cli(cwd: string, ...argv: string[]) {
  const io = memoryIO(cwd);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('exit codes', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-exit-'));
  const jet = path.join(projectRoot, 'models/jet_tagger.onnx');

  it('a model fastml refuses exits 2 from every command', async () => {
    const rand = rng(5);
    const refused = path.join(tmp, 'topk.onnx');
    writeFileSync(
      refused,
      encodeModel({
        name: 'topk',
        inputs: [{ name: 'x', dims: [1, 4] }],
        outputs: [{ name: 'y', dims: [1, 4] }],
        nodes: [
          { op: 'Gemm', name: 'fc', inputs: ['x', 'w', 'b'], outputs: ['h'], attrs: { transB: 1 } },
          { op: 'Hardmax', name: 'hm', inputs: ['h'], outputs: ['y'] },
        ],
        initializers: [
          { name: 'w', dims: [4, 4], data: normal(rand, 16, 0.5) },
          { name: 'b', dims: [4], data: normal(rand, 4, 0.1) },
        ],
        opset: 13,
      }),
    );
    const x = path.join(tmp, 'x.csv');
    writeFileSync(x, '1,2,3,4\n');
    for (const argv of [
      ['inspect', refused],
      ['check', refused, '-i', x],
      ['emulate', refused, '-i', x, '-o', path.join(tmp, 'y.npy')],
      ['compile', refused, '-o', path.join(tmp, 'p')],
      ['estimate', refused],
    ]) {
      const r = await cli(tmp, ...argv);
      expect(r.code, `${argv[0]}: ${r.err}`).toBe(2);
      expect(r.err, argv[0]).toMatch(/node "hm" \(Hardmax\)/);
    }
  });

  it('check: 0 when the thresholds hold, 1 when one is missed', async () => {
    const ok = await cli(tmp, 'check', jet, '-i', 'random:16:3', '--max-abs-err', '10');
    expect(ok.code, ok.err).toBe(0);
    const missed = await cli(tmp, 'check', jet, '-i', 'random:16:3', '--max-abs-err', '0');
    expect(missed.code).toBe(1);
    expect(missed.out).toMatch(/FAIL: output/);
  });

  it('csim says a missing folder is missing (2), a non-project folder is not a project (2)', async () => {
    const missing = await cli(tmp, 'csim', path.join(tmp, 'no_such_prj'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/FML5810: .*no_such_prj: the folder does not exist/);
    expect(missing.err).not.toContain('not a fastml project');
    const notPrj = await cli(tmp, 'csim', tmp);
    expect(notPrj.code).toBe(2);
    expect(notPrj.err).toContain('not a fastml project');
    const file = await cli(tmp, 'csim', jet);
    expect(file.code).toBe(2);
    expect(file.err).toContain('not a folder');
  });

  it('usage errors exit 2, internal errors 3', async () => {
    expect((await cli(tmp, 'compile')).code).toBe(2);
    expect((await cli(tmp, 'emulate', jet, '-i', 'x.npy', '--workers', 'many')).code).toBe(2);
    // An internal error thrown inside a command (here: from a stubbed output stream).
    const io = memoryIO(tmp);
    let calls = 0;
    const boom = {
      ...io,
      out: () => {
        calls++;
        throw new InternalError('stdout exploded');
      },
    };
    const code = await main(['estimate', jet], boom);
    expect(calls).toBeGreaterThan(0);
    expect(code).toBe(3);
  });

  it('--help of the program and of every command lists the exit codes', async () => {
    for (const argv of [['--help'], ['check', '--help'], ['compile', '--help'], ['csim', '--help']]) {
      const r = await cli(tmp, ...argv);
      expect(r.code).toBe(0);
      expect(r.out, argv.join(' ')).toMatch(/Exit codes:\n\s+0\s+ok\n\s+1\s+a check failed[\s\S]*2\s+usage or input error[\s\S]*a model fastml refuses[\s\S]*3\s+internal error/);
    }
  });
});

