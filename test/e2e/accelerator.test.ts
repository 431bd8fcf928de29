/**
 * @fileoverview `Backend: VivadoAccelerator` with `AcceleratorConfig`: for the pynq-z2 and the
 * zcu102, the generated AXI wrapper (axi_stream with TLAST, axi_lite, axi_master) compiles with g++
 * and its own test bench, driving the wrapper's ports one sample a call, equals the emulator on every
 * value (`fastml csim` runs it next to the plain test bench). The block-design TCL and the PYNQ
 * driver are checked for the commands and APIs they need (no vendor tool here); the driver is
 * byte-compiled with python3.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-accel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = memoryIO(tmp);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const jet = path.resolve('models/jet_tagger.onnx');
const cnn = path.resolve('models/conv2d_small.onnx');

function config(name: string, board: string, iface: string, extra = ''): string {
  const f = path.join(tmp, `${name}.yml`);
  writeFileSync(
    f,
    `Backend: VivadoAccelerator\nAcceleratorConfig:\n  Board: ${board}\n  Interface: ${iface}\n  Driver: python\n${extra}HLSConfig:\n  Model:\n    Precision: fixed<16,6>\n    ReuseFactor: 1\n    Strategy: Latency\n`,
  );
  return f;
}

const read = (dir: string, f: string): string => readFileSync(path.join(tmp, dir, f), 'utf8');

async function compileAndCsim(name: string, model: string, cfg: string, nOut: number, iface: string, flags: string[] = []): Promise<void> {
  const c = await cli('compile', model, '-c', cfg, '-o', name, '--samples', '200', ...flags);
  expect(c.err.replace(/^(warning|info) .*\n(  hint.*\n)?/gm, '')).toBe('');
  expect(c.err).not.toContain('AcceleratorConfig'); // a known key, not "ignored"
  expect(c.code).toBe(0);
  const s = await cli('csim', name);
  expect(s.err).toBe('');
  expect(s.out).toContain(`200 samples, ${nOut} outputs each, 0 mismatching values`);
  expect(s.out).toContain(`(jet_tagger_axi, ${iface}): 200 samples, ${nOut} outputs each, 0 mismatching values`.replace('jet_tagger', path.basename(model, '.onnx')));
  expect(s.code).toBe(0);
}

function checkDriver(dir: string, project: string, iface: string): void {
  const py = path.join(tmp, dir, 'accelerator', `${project}_driver.py`);
  const r = spawnSync('python3', ['-m', 'py_compile', py], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const text = readFileSync(py, 'utf8');
  expect(text).toContain('from pynq import Overlay, allocate');
  expect(text).toMatch(/class FastmlOverlay\(Overlay\):/);
  expect(text).toMatch(/def predict\(self, X, profile=False\):/);
  expect(text).toContain('allocate(shape=(n, N_IN)');
  if (iface === 'axi_stream') {
    for (const api of ['self.axi_dma_0', 'sendchannel.transfer(', 'recvchannel.transfer(', 'sendchannel.wait()', 'recvchannel.wait()']) expect(text).toContain(api);
  } else expect(text).toContain(`self.${project}_axi_0`);
}

describe('VivadoAccelerator', () => {
  for (const iface of ['axi_stream', 'axi_lite', 'axi_master'])
    it(`pynq-z2, ${iface}: wrapper csim equals the emulator; block design and driver`, async () => {
      const dir = `pynq_${iface}`;
      await compileAndCsim(dir, jet, config(dir, 'pynq-z2', iface), 5, iface);
      const lock = JSON.parse(read(dir, 'fastml.lock.json'));
      expect(lock.part).toBe('xc7z020clg400-1');
      expect(lock.accelerator).toEqual({ board: 'pynq-z2', interface: iface, driver: 'python', input: 'float', output: 'float' });
      const wrapper = read(dir, 'firmware/jet_tagger_axi.cpp');
      if (iface === 'axi_stream') expect(wrapper).toMatch(/#pragma HLS INTERFACE axis port=in[\s\S]*out\[k\]\.last = \(k == 4\);/);
      if (iface === 'axi_lite') expect(wrapper).toContain('#pragma HLS INTERFACE s_axilite port=in bundle=CTRL');
      if (iface === 'axi_master') expect(wrapper).toContain('#pragma HLS INTERFACE m_axi port=in offset=slave bundle=gmem');
      const tcl = read(dir, 'accelerator/design.tcl');
      for (const cmd of ['create_project', 'set part xc7z020clg400-1', 'create_bd_design', 'xilinx.com:ip:processing_system7:', 'fastml:hls:jet_tagger_axi:1.0', 'assign_bd_address', 'make_wrapper', 'launch_runs impl_1 -to_step write_bitstream', 'jet_tagger.hwh'])
        expect(tcl).toContain(cmd);
      if (iface === 'axi_stream') {
        expect(tcl).toContain('xilinx.com:ip:axi_dma:');
        expect(tcl).toContain('connect_bd_intf_net [get_bd_intf_pins axi_dma_0/M_AXIS_MM2S] [get_bd_intf_pins jet_tagger_axi_0/in_r]');
        expect(tcl).toContain('axi_dma_0/S_AXIS_S2MM');
      } else expect(tcl).not.toContain('axi_dma');
      if (iface === 'axi_master') expect(tcl).toContain('jet_tagger_axi_0/m_axi_gmem');
      const ip = read(dir, 'accelerator/build_ip.tcl');
      for (const cmd of ['set_top jet_tagger_axi', 'add_files firmware/jet_tagger_axi.cpp', 'csynth_design', 'export_design -format ip_catalog']) expect(ip).toContain(cmd);
      checkDriver(dir, 'jet_tagger', iface);
    });

  it('zcu102, axi_stream, io_stream CNN with fixed-point AXI data: wrapper csim equals the emulator', async () => {
    const dir = 'zcu102_stream';
    const cfg = config(dir, 'zcu102', 'axi_stream', '  Precision:\n    Input: ap_fixed<16,6>\n    Output: ap_fixed<16,6>\n');
    await compileAndCsim(dir, cnn, cfg, 10, 'axi_stream', ['--io', 'stream']);
    expect(JSON.parse(read(dir, 'fastml.lock.json')).part).toBe('xczu9eg-ffvb1156-2-e');
    expect(read(dir, 'firmware/conv2d_small_axi.h')).toContain('typedef ap_fixed<16,6> conv2d_small_in_data_t;');
    const tcl = read(dir, 'accelerator/design.tcl');
    for (const cmd of ['xilinx.com:ip:zynq_ultra_ps_e:', 'M_AXI_HPM0_FPD', 'S_AXI_HP0_FPD', 'xilinx.com:ip:axi_dma:', 'CONFIG.c_m_axis_mm2s_tdata_width {16}', 'launch_runs impl_1 -to_step write_bitstream'])
      expect(tcl).toContain(cmd);
    const py = read(dir, 'accelerator/conv2d_small_driver.py');
    expect(py).toContain('IN_WORD, IN_FRAC, IN_SIGNED = 16, 10, True');
    checkDriver(dir, 'conv2d_small', 'axi_stream');
  });

  it('a --target board wins over the file; Alveo and unknown settings are clear errors', async () => {
    const cfg = config('t', 'pynq-z2', 'axi_stream');
    const r = await cli('compile', jet, '-c', cfg, '--target', 'zcu102', '-o', 'target_prj', '--samples', '4');
    expect(r.code).toBe(0);
    expect(JSON.parse(read('target_prj', 'fastml.lock.json')).accelerator.board).toBe('zcu102');
    const alveo = await cli('compile', jet, '-c', config('alveo', 'alveo-u250', 'axi_master'), '-o', 'alveo_prj');
    expect(alveo.code).toBe(2);
    expect(alveo.err).toContain('FML5830');
    expect(alveo.err).toContain('Backend: Vitis');
    const bad = await cli('compile', jet, '-c', config('bad', 'pynq-z2', 'axi_full'), '-o', 'bad_prj');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Interface must be axi_stream, axi_lite or axi_master');
  });
});
