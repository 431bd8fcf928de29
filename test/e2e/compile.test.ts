/**
 * @fileoverview `fastml compile` end to end (in-process CLI): the project's files and build
 * scripts, byte-identical output across runs, refusal of a non-empty folder, hostile layer names
 * (`../../etc/x`, `int`, unicode) compiled safely and C-simulated, and a test bench that fails when
 * the expected data is wrong.
 */

import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { encodeModel, normal, rng } from '../../src/tools/onnx-writer.js';

const root = process.cwd();
const jet = path.join(root, 'models/jet_tagger.onnx');

function listAll(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const abs = path.join(dir, f);
    if (statSync(abs).isDirectory()) out.push(...listAll(abs, `${prefix}${f}/`));
    else out.push(`${prefix}${f}`);
  }
  return out;
}

async function cli(cwd: string, ...argv: string[]) {
  const io = memoryIO(cwd);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('fastml compile', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-compile-'));

  it('writes a complete Alveo project and prints the next steps', async () => {
    const r = await cli(tmp, 'compile', jet, '--target', 'alveo');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const dir = path.join(tmp, 'jet_tagger_prj');
    expect(r.out).toContain('jet_tagger_prj/');
    expect(r.out).toContain('xcu250-figd2104-2L-e');
    expect(r.out).toMatch(/Latency \d+ cycles/); // the estimate summary
    expect(r.out).toContain('  fastml csim jet_tagger_prj'); // memoryIO: no npx (src/cli/invocation.ts)
    const files = listAll(dir);
    for (const f of [
      'firmware/jet_tagger.cpp',
      'firmware/jet_tagger.h',
      'firmware/defines.h',
      'firmware/parameters.h',
      'firmware/fml/fml_dense.h',
      'firmware/ap_types/ap_fixed.h',
      'firmware/ap_types/hls_stream.h',
      'jet_tagger_test.cpp',
      'tb_data/tb_input_features.dat',
      'tb_data/tb_output_predictions.dat',
      'build_prj.tcl',
      'vivado_synth.tcl',
      'README.md',
      'kernel/jet_tagger_kernel.cpp',
      'Makefile',
      'fastml.lock.json',
    ])
      expect(files, f).toContain(f);
    expect(files.some((f) => f.startsWith('firmware/weights/'))).toBe(true);
    // Vivado HLS script: every step, the part and clock, and never our ap_types folder.
    const tcl = readFileSync(path.join(dir, 'build_prj.tcl'), 'utf8');
    for (const s of ['open_project', 'set_top jet_tagger', 'add_files firmware/jet_tagger.cpp', 'add_files -tb jet_tagger_test.cpp', 'add_files -tb tb_data', 'open_solution', 'set part xcu250-figd2104-2L-e', 'create_clock -period $clock', 'set clock 5', 'csim_design', 'csynth_design', 'cosim_design', 'export_design -format ip_catalog', 'vivado_synth.tcl'])
      expect(tcl, s).toContain(s);
    expect(tcl).not.toMatch(/-I[^\n"]*ap_types/);
    expect(readFileSync(path.join(dir, 'vivado_synth.tcl'), 'utf8')).toContain('synth_design -top $top -part $part');
    const mk = readFileSync(path.join(dir, 'Makefile'), 'utf8');
    expect(mk).toMatch(/\$\(VPP\) -c .*-k \$\(KERNEL\)/);
    expect(mk).toMatch(/\$\(VPP\) -l /);
    expect(mk).toContain('PLATFORM ?= xilinx_u250');
    const kernel = readFileSync(path.join(dir, 'kernel/jet_tagger_kernel.cpp'), 'utf8');
    expect(kernel).toContain('m_axi');
    expect(kernel).toContain('s_axilite port = return');
    const lock = JSON.parse(readFileSync(path.join(dir, 'fastml.lock.json'), 'utf8'));
    expect(lock.part).toBe('xcu250-figd2104-2L-e');
    expect(lock.clockNs).toBe(5);
    expect(lock.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(lock.files)).toContain('firmware/jet_tagger.cpp');
    const cpp = readFileSync(path.join(dir, 'firmware/defines.h'), 'utf8');
    expect(cpp).toContain('ap_fixed<16,6>'); // not HTML-escaped
    expect(cpp).not.toContain('&lt;');
  });

  it('writes Vitis scripts for --backend vitis, stream pragmas for --io stream', async () => {
    const r = await cli(tmp, 'compile', jet, '--backend', 'vitis', '--io', 'stream', '--target', 'zcu102', '-o', 'vitis_prj', '--clock', '4');
    expect(r.code).toBe(0);
    const dir = path.join(tmp, 'vitis_prj');
    const tcl = readFileSync(path.join(dir, 'build_prj.tcl'), 'utf8');
    expect(tcl).toContain('vitis-run --mode hls --tcl build_prj.tcl');
    expect(tcl).toContain('open_solution -reset "solution1" -flow_target vivado');
    expect(tcl).toContain('set part xczu9eg-ffvb1156-2-e');
    expect(tcl).toContain('set clock 4');
    const cpp = readFileSync(path.join(dir, 'firmware/jet_tagger.cpp'), 'utf8');
    expect(cpp).toContain('#pragma HLS DATAFLOW');
    expect(cpp).toContain('#pragma HLS INTERFACE axis port = input_0');
    expect(cpp).toMatch(/#pragma HLS STREAM variable = \w+ depth = \d+/);
    expect(existsSync(path.join(dir, 'Makefile'))).toBe(false); // not an Alveo card
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('vitis-run --mode hls --tcl build_prj.tcl');
  });

  it('takes IOType, ProjectName and OutputDir from the config, flags over the config', async () => {
    writeFileSync(path.join(tmp, 'c.yml'), 'ProjectName: myproject\nOutputDir: from_cfg\nIOType: io_stream\nClockPeriod: 3\n');
    const r = await cli(tmp, 'compile', jet, '-c', 'c.yml');
    expect(r.code).toBe(0);
    expect(r.out).toContain('project myproject (io_stream, xcvu13p-flga2577-2-e, 3 ns) to from_cfg/');
    expect(existsSync(path.join(tmp, 'from_cfg/firmware/myproject.cpp'))).toBe(true);
    const f = await cli(tmp, 'compile', jet, '-c', 'c.yml', '--io', 'parallel', '--clock', '4', '--project', 'p2', '-o', 'flags_win');
    expect(f.code).toBe(0);
    expect(f.out).toContain('project p2 (io_parallel, xcvu13p-flga2577-2-e, 4 ns) to flags_win/');
  });

  it('gives byte-identical files on two runs', async () => {
    expect((await cli(tmp, 'compile', jet, '-o', 'a', '--strategy', 'resource', '--reuse', '4')).code).toBe(0);
    expect((await cli(tmp, 'compile', jet, '-o', 'b', '--strategy', 'resource', '--reuse', '4')).code).toBe(0);
    const fa = listAll(path.join(tmp, 'a'));
    expect(fa).toEqual(listAll(path.join(tmp, 'b')));
    for (const f of fa) expect(readFileSync(path.join(tmp, 'b', f)).equals(readFileSync(path.join(tmp, 'a', f))), f).toBe(true);
  });

  it('refuses a non-empty output folder unless --force', async () => {
    writeFileSync(path.join(tmp, 'keep.txt'), 'x');
    const r = await cli(tmp, 'compile', jet, '-o', '.');
    expect(r.code).toBe(2);
    expect(r.err).toContain('FML5821'); // not a fastml folder: not even --force replaces it
    expect(r.err).toContain('--force');
    expect((await cli(tmp, 'compile', jet, '-o', 'a')).err).toContain('FML5801'); // a fastml project: --force replaces it
    expect(r.err).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(existsSync(path.join(tmp, 'keep.txt'))).toBe(true);
    const again = await cli(tmp, 'compile', jet, '-o', 'b', '--force', '--io', 'stream');
    expect(again.code).toBe(0);
    expect(readFileSync(path.join(tmp, 'b/firmware/jet_tagger.cpp'), 'utf8')).toContain('DATAFLOW');
  });

  it('reports bad flags as usage errors', async () => {
    expect((await cli(tmp, 'compile', jet, '--target', 'nosuchboard', '-o', 'x1')).code).toBe(2);
    expect((await cli(tmp, 'compile', jet, '--io', 'serial', '-o', 'x2')).code).toBe(2);
    expect((await cli(tmp, 'compile', jet, '--precision', 'ap_fixed<16>', '-o', 'x3')).code).toBe(2);
    expect((await cli(tmp, 'csim', path.join(tmp))).code).toBe(2); // not a project
  });

  it('compiles layers named ../../etc/x, int and unicode safely, and C-simulates them bit-exactly', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fml-evil-'));
    const rand = rng(3);
    const model = path.join(dir, 'evil.onnx');
    writeFileSync(
      model,
      encodeModel({
        name: '../../evil',
        inputs: [{ name: 'in.put/../x', dims: [1, 6] }],
        outputs: [{ name: 'ünïcödé', dims: [1, 4] }],
        nodes: [
          { op: 'Gemm', name: '../../etc/x', inputs: ['in.put/../x', 'w..', 'b;'], outputs: ['../t'], attrs: { transB: 1 } },
          { op: 'Relu', name: 'int', inputs: ['../t'], outputs: ['*/ int'] },
          { op: 'Softmax', name: 'class', inputs: ['*/ int'], outputs: ['ünïcödé'], attrs: { axis: 1 } },
        ],
        initializers: [
          { name: 'w..', dims: [4, 6], data: normal(rand, 24, 0.5) },
          { name: 'b;', dims: [4], data: normal(rand, 4, 0.1) },
        ],
        opset: 13,
      }),
    );
    const r = await cli(dir, 'compile', model, '--project', '../../etc/passwd', '--samples', '12');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // Only the project folder was created, next to the model.
    expect(readdirSync(dir).sort()).toEqual(['etc_passwd_prj', 'evil.onnx']);
    const prj = path.join(dir, 'etc_passwd_prj');
    const cpp = readFileSync(path.join(prj, 'firmware/etc_passwd.cpp'), 'utf8');
    expect(cpp).toMatch(/L\d+_etc_x/);
    expect(cpp).toMatch(/L\d+_int_/);
    expect(cpp).not.toMatch(/\bint_out\b|\bint\[/);
    const c = await cli(dir, 'csim', prj);
    expect(c.out).toContain('12 samples');
    expect(c.out).toContain('0 mismatching values');
    expect(c.code).toBe(0);

    // The test bench fails on a single wrong expected bit.
    const expFile = path.join(prj, 'tb_data/tb_output_predictions.dat');
    const lines = readFileSync(expFile, 'utf8').split('\n');
    const vals = lines[3]!.split(' ');
    vals[1] = String(Number(vals[1]) + 2 ** -10);
    lines[3] = vals.join(' ');
    writeFileSync(expFile, lines.join('\n'));
    const bad = await cli(dir, 'csim', prj);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('MISMATCH sample 3 output 1');
    expect(bad.out).toContain('1 mismatching values');
  });
});
