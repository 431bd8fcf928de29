/**
 * @fileoverview Regression tests of issue 11 ("Robustness at scale") for inputs and outputs: archives
 * and arrays (zip bombs, numpy zip64, huge .npy), paths (directories as files, missing output folders,
 * 300-character layer names), pipes (EPIPE), the limits on sizes asked for (TableSize, --samples),
 * `report /` and the scratch left by killed runs. The model readers are in robustness.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { onnx } from '../../src/frontends/onnx/proto.js';
import { encodeNpy } from '../../src/io/npy.js';
import { LIMITS } from '../../src/diagnostics/limits.js';
import { cli, editOnnx, expectClean, jetInput, jetJson, jetOnnx, jetWeights, kerasCase, kerasRenamed, models, qkerasV3, tmp, zip64Member, zipBomb } from '../helpers/robust.js';

describe('input files', () => {
  it('reads an .npz laid out as numpy.savez writes it (zip64 local headers)', async () => {
    const dir = tmp();
    const x = new Float64Array(32).map((_, k) => k / 8);
    writeFileSync(path.join(dir, 'x.npz'), zip64Member('x.npy', encodeNpy({ shape: [2, 16], data: x })));
    writeFileSync(path.join(dir, 'x.npy'), encodeNpy({ shape: [2, 16], data: x }));
    expect((await cli(['emulate', jetOnnx, '-i', 'x.npz', '-o', 'a.npy'], dir)).code).toBe(0);
    expect((await cli(['emulate', jetOnnx, '-i', 'x.npy', '-o', 'b.npy'], dir)).code).toBe(0);
    expect(readFileSync(path.join(dir, 'a.npy'))).toEqual(readFileSync(path.join(dir, 'b.npy')));
  });

  it('refuses an .npz that inflates to 1 GiB', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'x.npz'), zipBomb('x.npy', 1 << 30, 1 << 30));
    expectClean(await cli(['emulate', jetOnnx, '-i', 'x.npz', '-o', 'y.npy'], dir), 2, /x\.npz.*maxInflatedBytes/);
  }, 120_000);
});

describe('paths, names and pipes', () => {
  it('refuses -i naming a directory and a config that is a directory (EISDIR)', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'adir'));
    expectClean(await cli(['emulate', jetOnnx, '-i', 'adir', '-o', 'y.npy'], dir), 2, /adir.*is a directory/);
    jetInput(dir);
    expectClean(await cli(['emulate', jetOnnx, '-i', 'x.npy', '-c', 'adir', '-o', 'y.npy'], dir), 2, /adir.*is a directory/);
  });

  it('refuses --output into a missing folder (ENOENT) and writes nothing', async () => {
    const dir = tmp();
    const x = jetInput(dir);
    expectClean(await cli(['emulate', jetOnnx, '-i', x, '-o', 'missing/deeper/y.npy'], dir), 2, /folder .*missing.* does not exist/);
    expect(existsSync(path.join(dir, 'missing'))).toBe(false);
  });

  it('writes --trace files for layer names of 300 characters (ENAMETOOLONG), distinct per layer', async () => {
    const dir = tmp();
    const long = 'L'.repeat(300);
    const m = await kerasRenamed(dir, { fc1_relu: long + '1', fc2_relu: long + '2' });
    const x = jetInput(dir);
    const r = await cli(['emulate', m, '-i', x, '-o', 'y.npy', '--trace', 'tr'], dir);
    expect(r.err).not.toMatch(/internal error|ENAMETOOLONG/);
    expect(r.code).toBe(0);
    const files = readdirSync(path.join(dir, "tr"));
    const longOnes = files.filter((n) => n.startsWith('trace_LLL'));
    expect(longOnes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(longOnes).size).toBe(longOnes.length);
    for (const n of files) expect(Buffer.byteLength(n)).toBeLessThan(255);
  });

  it('refuses a deeply nested YAML configuration by the nesting limit, not a stack overflow', async () => {
    const dir = tmp();
    const x = jetInput(dir);
    writeFileSync(path.join(dir, 'deep.yml'), `HLSConfig:\n  Model: ${'['.repeat(20000)}1${']'.repeat(20000)}\n`);
    expectClean(await cli(['emulate', jetOnnx, '-i', x, '-c', 'deep.yml', '-o', 'y.npy'], dir), 2, /deep\.yml.*maxNestingDepth/);
    writeFileSync(path.join(dir, 'deep2.yml'), `HLSConfig:\n  Model: ${'['.repeat(200)}1${']'.repeat(200)}\n`);
    expectClean(await cli(['emulate', jetOnnx, '-i', x, '-c', 'deep2.yml', '-o', 'y.npy'], dir), 2, /deep2\.yml.*maxNestingDepth/);
  });

  it('escapes bidirectional control characters in C++ comments', async () => {
    const { commentText } = await import('../../src/backends/identifiers.js');
    expect(commentText('evil\u202Eesrever')).toBe('evil\\u202eesrever');
    const dir = tmp();
    const m = await kerasRenamed(dir, { fc1_relu: 'fc\u202E1' });
    const r = await cli(['compile', m, '-o', 'prj', '--samples', '2'], dir);
    expect(r.err).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const files = (readdirSync(path.join(dir, 'prj'), { recursive: true }) as string[]).filter((n) => /\.(h|cpp)$/.test(n));
    const text = files.map((f) => readFileSync(path.join(dir, 'prj', f), 'utf8')).join('\n');
    expect(text).toMatch(/fc\\u202e1/);
    expect(text).not.toMatch(/\u202E/);
  });

  it('handles EPIPE on stdout: a listener is installed, later output dropped', async () => {
    const before = new Set(process.stdout.listeners('error'));
    const { processIO } = await import('../../src/cli/io.js');
    const io = processIO();
    // Without its own listener, Node dies with "Unhandled 'error' event" when the reader goes away.
    const added = process.stdout.listeners('error').filter((l) => !before.has(l));
    expect(added).toHaveLength(1);
    (added[0] as (e: Error) => void)(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    const write = process.stdout.write;
    let wrote = false;
    process.stdout.write = (() => ((wrote = true), true)) as typeof process.stdout.write;
    try {
      io.out('after the reader went away\n');
    } finally {
      process.stdout.write = write;
    }
    expect(wrote).toBe(false);
  });

  it('does not die with an EPIPE stack trace when stdout is closed early (| head -1)', async () => {
    const { spawnSync } = await import('node:child_process');
    const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
    if (!existsSync(path.join(root, 'dist/cli/main.js'))) spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root });
    const r = spawnSync('bash', ['-c', `node ${JSON.stringify(path.join(root, 'bin/fastml.js'))} inspect ${JSON.stringify(jetOnnx)} | head -c 10 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(r.stdout).toMatch(/rc=0/);
    // compile | head -1: the project is still written completely.
    const dir = tmp();
    const c = spawnSync('bash', ['-c', `node ${JSON.stringify(path.join(root, 'bin/fastml.js'))} compile ${JSON.stringify(jetOnnx)} -o prj --samples 2 | head -1 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`], { encoding: 'utf8', cwd: dir });
    expect(c.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(c.stdout).toMatch(/rc=0/);
    expect(existsSync(path.join(dir, 'prj', 'fastml.lock.json'))).toBe(true);
  });
});

describe('limits on sizes asked for', () => {
  it('refuses TableSize 1e9 by maxTableSize (exit 2) instead of building a 7.9 GB table', async () => {
    const dir = tmp();
    const x = jetInput(dir);
    writeFileSync(path.join(dir, 't.yml'), 'HLSConfig:\n  Model: {Precision: "fixed<16,6>", ReuseFactor: 1, TableSize: 1000000000}\n');
    const t0 = Date.now();
    expectClean(await cli(['emulate', jetOnnx, '-i', x, '-c', 't.yml', '-o', 'y.npy'], dir), 2, /t\.yml.*TableSize 1000000000 is over fastml's limit maxTableSize/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('refuses --samples 1e9 and a test bench over maxBatchElements', async () => {
    const dir = tmp();
    expectClean(await cli(['compile', jetOnnx, '-o', 'p', '--samples', '1e9'], dir), 2, /--samples 1e9 is over fastml's limit maxSamples/);
    const mnist = path.join(models, 'onnx_mnist_conv/model.onnx');
    expectClean(await cli(['compile', mnist, '-o', 'p', '--samples', '100000'], dir), 2, /100000 test-bench samples of 784 values.*maxBatchElements/);
    expect(existsSync(path.join(dir, 'p'))).toBe(false);
  });

  it('refuses a .npy declaring 2^31 values before reading it', async () => {
    const dir = tmp();
    let h = "{'descr': '<f4', 'fortran_order': False, 'shape': (134217728, 16), }";
    h = h.padEnd(117) + '\n';
    const head = new Uint8Array(10 + h.length);
    head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(head.buffer).setUint16(8, h.length, true);
    head.set(strToU8(h), 10);
    writeFileSync(path.join(dir, 'big.npy'), head);
    expectClean(await cli(['emulate', jetOnnx, '-i', 'big.npy', '-o', 'y.npy'], dir), 2, /big\.npy.*2147483648 values.*maxBatchElements/);
  });

  it('prints weights of a type with more than 100 fractional digits (toFixed limit)', async () => {
    const { formatFixedDecimals, quantizeAsPrinted } = await import('../../src/emulator/weights.js');
    const { fixedType } = await import('../../src/fixed/type.js');
    expect(formatFixedDecimals(0, 150)).toBe('0.' + '0'.repeat(150));
    expect(formatFixedDecimals(-0, 3)).toBe('-0.000');
    // fixed<16,-100>: 116 fractional bits, so 116 decimals are printed.
    expect(Array.from(quantizeAsPrinted([0, 2 ** -110, -(2 ** -112)], fixedType(16, -100)))).toEqual([0, 2 ** -110, -(2 ** -112)]);
  });
});

describe('walks and scratch files', () => {
  it('`fastml report /` answers quickly with the search limit instead of walking the file system', async () => {
    const t0 = Date.now();
    expectClean(await cli(['report', '/'], tmp()), 2, /\/: the search for csynth\.xml .* is over fastml's limit maxReportEntries/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('removes scratch left by killed runs (dead pid), and keeps a live run\'s', async () => {
    const dir = tmp();
    const dead = 2 ** 22 + 12345; // above the default pid_max: no such process
    mkdirSync(path.join(dir, `.prj.tmp-${dead}-abc`));
    writeFileSync(path.join(dir, `.prj.tmp-${dead}-abc`, 'half.cpp'), 'x');
    mkdirSync(path.join(dir, `.prj.tmp-${process.pid}-live`));
    // A previous project moved aside by a --force run killed between its two renames.
    mkdirSync(path.join(dir, `.prj.old-${dead}-abc`));
    writeFileSync(path.join(dir, `.prj.old-${dead}-abc`, 'fastml.lock.json'), '{}');
    writeFileSync(path.join(dir, `.prj.old-${dead}-abc`, 'x.cpp'), 'previous');
    writeFileSync(path.join(dir, `.y.npy.fastml-tmp-${dead}`), 'x');
    // It is put back first, and protected as it was: without --force nothing is replaced.
    const first = await cli(['compile', jetOnnx, '-o', 'prj', '--samples', '2'], dir);
    expect(first.code).toBe(2);
    expect(readFileSync(path.join(dir, 'prj', 'x.cpp'), 'utf8')).toBe('previous');
    expect((await cli(['compile', jetOnnx, '-o', 'prj', '--samples', '2', '--force'], dir)).code).toBe(0);
    const x = jetInput(dir);
    expect((await cli(['emulate', jetOnnx, '-i', x, '-o', 'y.npy'], dir)).code).toBe(0);
    const left = readdirSync(dir).filter((n) => n.startsWith('.'));
    // The dead run's scratch is gone; the live one's is kept.
    expect(left.sort()).toEqual([`.prj.tmp-${process.pid}-live`]);
  });
});


describe('clock periods (found by the fuzzer: --clock 1e-300 made the estimate run for minutes)', () => {
  it('refuses a clock outside minClockNs..maxClockNs in every command, before writing anything', async () => {
    const dir = tmp();
    expectClean(await cli(['compile', jetOnnx, '-o', 'prj', '--clock', '1e-300'], dir), 2, /--clock of 1e-300 ns is under fastml's limit minClockNs/);
    expect(existsSync(path.join(dir, 'prj'))).toBe(false);
    expectClean(await cli(['estimate', jetOnnx, '--clock', '1e9'], dir), 2, /--clock of 1000000000 ns is over fastml's limit maxClockNs/);
    writeFileSync(path.join(dir, 'c.yml'), 'ClockPeriod: 1e-20\nHLSConfig:\n  Model: {Precision: "fixed<16,6>", ReuseFactor: 1}\n');
    expectClean(await cli(['estimate', jetOnnx, '-c', 'c.yml'], dir), 2, /ClockPeriod of 1e-20 ns is under fastml's limit minClockNs/);
    expect(LIMITS.minClockNs).toBeGreaterThan(0);
    // The shortest period allowed still estimates promptly.
    expect((await cli(['estimate', jetOnnx, '--clock', String(LIMITS.minClockNs)], dir)).code).toBe(0);
  });
});
