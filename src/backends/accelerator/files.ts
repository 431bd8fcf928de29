/**
 * @fileoverview The files `Backend: VivadoAccelerator` adds to an HLS project (hls4ml's
 * VivadoAccelerator writes the same kinds of files; these are fastml's own):
 *   firmware/<p>_axi.h, .cpp   the wrapper of the chosen interface (axi_stream with TLAST, axi_lite,
 *                              axi_master) around the generated top function, one sample a call;
 *   <p>_axi_test.cpp           a test bench driving the wrapper's ports (run by `fastml csim`);
 *   accelerator/build_ip.tcl   HLS synthesis of the wrapper, exported as an IP;
 *   accelerator/design.tcl     the Vivado block design for the board (Zynq PS, DMA or AXI ports,
 *                              clocks, resets) through to the bitstream and .hwh;
 *   accelerator/<p>_driver.py  the PYNQ driver (overlay, predict on numpy arrays, DMA buffers).
 * The view model below makes every decision; the templates (templates/vivado_accelerator/) only fill in.
 */

import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Graph } from '../../ir/graph.js';
import { DiagnosticError, EXIT, diag, InternalError } from '../../diagnostics/diagnostic.js';
import { fracBits } from '../../fixed/type.js';
import { buildGraphView } from '../view-model.js';
import { templatesRoot } from '../templates.js';
import { projectIdent } from '../identifiers.js';
import type { IoType } from '../view-types.js';
import type { ProjectFile } from '../writer.js';
import type { AcceleratorSettings, IoData } from './config.js';
import { formatType } from '../../fixed/type.js';

export interface AcceleratorProject {
  readonly project: string;
  readonly io: IoType;
  readonly part: string;
  readonly clockNs: number;
  readonly fastmlVersion: string;
}

const compiled = new Map<string, (v: unknown) => string>();

function render(name: string, view: unknown): string {
  let fn = compiled.get(name);
  if (!fn) {
    const src = readFileSync(path.join(templatesRoot(), 'vivado_accelerator', `${name}.hbs`), 'utf8');
    fn = Handlebars.create().compile(src, { noEscape: true, strict: true });
    compiled.set(name, fn);
  }
  try {
    return fn(view);
  } catch (e) {
    throw new InternalError(`template vivado_accelerator/${name}: ${(e as Error).message}`);
  }
}

/** The C++ type of a port's data, and the word the driver moves (8/16/32-bit integer or float32). */
function portType(d: IoData): { cpp: string; bits: number; py: { float: string; word: number; frac: number; signed: string } } {
  if (d.kind === 'float') return { cpp: 'float', bits: 32, py: { float: 'True', word: 32, frac: 0, signed: 'True' } };
  const word = d.type.w <= 8 ? 8 : d.type.w <= 16 ? 16 : 32;
  return { cpp: formatType(d.type), bits: word, py: { float: 'False', word, frac: fracBits(d.type), signed: d.type.signed ? 'True' : 'False' } };
}

export function acceleratorFiles(g: Graph, o: AcceleratorProject, s: AcceleratorSettings): ProjectFile[] {
  const project = projectIdent(o.project);
  const gv = buildGraphView(g, { backend: 'vivado', io: o.io });
  if (gv.inputs.length !== 1 || gv.outputs.length !== 1)
    throw new DiagnosticError(
      [diag('FML5831', `the accelerator wrapper takes one input and one output; the model has ${gv.inputs.length} and ${gv.outputs.length}`, { file: String(g.meta.file ?? '') }, 'use Backend: Vivado for this model (the plain project has every port)')],
      EXIT.USAGE,
    );
  const input = gv.inputs[0]!;
  const output = gv.outputs[0]!;
  const inT = portType(s.input);
  const outT = portType(s.output);
  const stream = s.iface === 'axi_stream';
  const outExpr = (v: string): string => (s.output.kind === 'float' ? `${v}.to_float()` : `(${project}_out_data_t)${v}`);
  // TLAST on the last value of the sample: it ends the DMA's S2MM transfer.
  const store = (v: string, k: string, indent: string): string =>
    stream ? `out[${k}].data = ${outExpr(v)};\n${indent}out[${k}].last = (${k} == ${output.tensor.size - 1});` : `out[${k}] = ${outExpr(v)};`;
  const view = {
    project,
    guard: project.toUpperCase(),
    fastmlVersion: o.fastmlVersion,
    iface: s.iface,
    isAxiStream: stream,
    isAxiLite: s.iface === 'axi_lite',
    isAxiMaster: s.iface === 'axi_master',
    isStream: o.io === 'io_stream',
    board: s.board.name,
    boardPart: s.board.boardPart,
    part: o.part,
    clock: String(o.clockNs),
    freqTcl: `{${Math.floor(1000 / o.clockNs)}}`,
    isPs7: s.board.ps === 'ps7',
    isPs8: s.board.ps === 'ps8',
    psName: s.board.ps === 'ps7' ? 'Zynq-7000 (processing_system7)' : 'Zynq UltraScale+ (zynq_ultra_ps_e)',
    input,
    output,
    nIn: input.tensor.size,
    nOut: output.tensor.size,
    inData: inT.cpp,
    outData: outT.cpp,
    dataBitsTcl: `{${Math.max(inT.bits, outT.bits)}}`,
    readIn: 'in',
    inField: stream ? '.data' : '',
    writeOut: store('pk[c]', 'k', '      '),
    writeOutArr: store('v', 'k', '    '),
    gotDouble: s.output.kind === 'float' ? '(double)got' : 'got.to_double()',
    pyInFloat: inT.py.float,
    pyOutFloat: outT.py.float,
    pyInWord: inT.py.word,
    pyInFrac: inT.py.frac,
    pyInSigned: inT.py.signed,
    pyOutWord: outT.py.word,
    pyOutFrac: outT.py.frac,
    pyOutSigned: outT.py.signed,
  };
  return [
    { path: `firmware/${project}_axi.h`, content: render('axi_wrapper.h', view) },
    { path: `firmware/${project}_axi.cpp`, content: render('axi_wrapper.cpp', view) },
    { path: `${project}_axi_test.cpp`, content: render('axi_test.cpp', view) },
    { path: 'accelerator/build_ip.tcl', content: render('build_ip.tcl', view) },
    { path: 'accelerator/design.tcl', content: render('design.tcl', view) },
    { path: `accelerator/${project}_driver.py`, content: render('driver.py', view) },
  ];
}
