/**
 * @fileoverview Assembles a complete HLS project (every file, in memory) from a typed graph: the
 * firmware rendered from the view model, our layer library and ap_types headers copied in, the
 * test bench and its data, the vendor build scripts, README.md and fastml.lock.json.
 * Output is deterministic: files in a fixed order, no timestamps, keys sorted.
 */

import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { commentText } from './identifiers.js';
import type { Graph } from '../ir/graph.js';
import { buildGraphView } from './view-model.js';
import { render, templatesRoot } from './templates.js';
import { projectIdent } from './identifiers.js';
import type { Backend, IoType, PortView, ProjectView } from './view-types.js';
import type { ProjectFile, StreamedContent } from './writer.js';
import { streamMarker } from './cpp-values.js';
import { InternalError } from '../diagnostics/diagnostic.js';
import type { ArrayView } from './view-types.js';

export interface ProjectOptions {
  readonly project: string;
  readonly backend: Backend;
  readonly io: IoType;
  readonly part: string;
  readonly clockNs: number;
  readonly board?: string;
  /** Alveo platform for the v++ Makefile; set for Alveo targets only. */
  readonly platform?: string;
  readonly modelFile: string;
  readonly modelSha256: string;
  readonly fastmlVersion: string;
  /** The resolved settings recorded in the lock file (plain JSON). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly configSha256?: string;
  /** Test-bench samples in IR layout (channels-last), every input concatenated; outputs likewise. */
  readonly tbInputs: readonly ArrayLike<number>[];
  readonly tbOutputs: readonly ArrayLike<number>[];
  /** Files of a wrapper workflow (VivadoAccelerator), hashed in the lock file like the rest. */
  readonly extraFiles?: readonly ProjectFile[];
  /** The accelerator settings recorded in the lock file. */
  readonly accelerator?: Readonly<Record<string, unknown>>;
}

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The SHA-256 of a file, read 1 MiB at a time (a large model's bytes are not held a second time). */
export function fileSha256(file: string): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(file, 'r');
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Every file under a folder, relative paths with '/', sorted. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const abs = path.join(dir, f);
    if (statSync(abs).isDirectory()) out.push(...listFiles(abs, `${prefix}${f}/`));
    else out.push(`${prefix}${f}`);
  }
  return out;
}

/** JSON with object keys sorted at every level, so the lock file is byte-stable. */
export function stableJson(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(norm);
    if (x && typeof x === 'object') {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(x as object).sort()) o[k] = norm((x as Record<string, unknown>)[k]);
      return o;
    }
    return x;
  };
  return JSON.stringify(norm(v), null, 2) + '\n';
}

/** Values of a row printed and joined at a time: bounds the strings alive for a row of a large image. */
const DAT_PIECE = 4096;

/**
 * One sample a line, values as the shortest decimal that reads back as exactly the same double,
 * written a row (and within a row, DAT_PIECE values) at a time: a 256x256x3 model's 32 samples are
 * 6.3M values, which as one string and its arrays of pieces held about a gigabyte.
 */
function datFile(rows: readonly ArrayLike<number>[]): StreamedContent {
  return {
    *chunks() {
      if (rows.length === 0) yield '\n';
      for (const r of rows) {
        for (let k = 0; k < r.length; k += DAT_PIECE) {
          const end = Math.min(r.length, k + DAT_PIECE);
          const piece: string[] = new Array<string>(end - k);
          for (let i = k; i < end; i++) {
            const v = r[i]!;
            piece[i - k] = Object.is(v, -0) ? '0' : String(v);
          }
          yield (k === 0 ? '' : ' ') + piece.join(' ');
        }
        yield '\n';
      }
    },
  };
}

export function buildProject(g: Graph, o: ProjectOptions): ProjectFile[] {
  const project = projectIdent(o.project);
  const gv = buildGraphView(g, { backend: o.backend, io: o.io });
  const withOffsets = (ports: PortView[]): Array<PortView & { offset: number }> => {
    let off = 0;
    return ports.map((p) => {
      const r = { ...p, offset: off };
      off += p.tensor.size;
      return r;
    });
  };
  const inputs = withOffsets(gv.inputs);
  const outputs = withOffsets(gv.outputs);
  const view: ProjectView & { isVitis: boolean; freqMhz: number; inputs: typeof inputs; outputs: typeof outputs } = {
    project,
    // The model's file name goes into a C++ comment (project.cpp's first line) and the README.
    modelName: commentText(path.basename(o.modelFile)),
    modelFile: commentText(path.basename(o.modelFile)),
    backend: o.backend,
    isVitis: o.backend === 'vitis',
    io: o.io,
    isStream: o.io === 'io_stream',
    part: o.part,
    clock: String(o.clockNs),
    freqMhz: Math.floor(1000 / o.clockNs),
    board: o.board ?? '',
    isAlveo: o.platform !== undefined,
    platform: o.platform ?? '',
    fastmlVersion: o.fastmlVersion,
    guard: project.toUpperCase(),
    inputs,
    outputs,
    tensors: gv.tensors,
    layers: gv.layers,
    buffers: gv.buffers,
    outputCopies: gv.outputCopies,
    streams: gv.streams,
    streamSteps: gv.streamSteps,
    nSamples: o.tbInputs.length,
    inputSize: inputs.reduce((s, p) => s + p.tensor.size, 0),
    outputSize: outputs.reduce((s, p) => s + p.tensor.size, 0),
    // Not how this run was invoked: the README must be the same bytes whoever compiles.
    csimCommand: 'fastml csim .    # from a clone of fastml without npm link: npx fastml csim .',
  };
  const b = o.backend;
  const files: ProjectFile[] = [
    { path: `firmware/${project}.cpp`, content: render(b, 'firmware/project.cpp', view) },
    { path: `firmware/${project}.h`, content: render(b, 'firmware/project.h', view) },
    { path: 'firmware/defines.h', content: render(b, 'firmware/defines.h', view) },
    { path: 'firmware/parameters.h', content: render(b, 'firmware/parameters.h', view) },
  ];
  for (const l of gv.layers) if (l.weightsFile) files.push({ path: `firmware/weights/${l.weightsFile}`, content: withStreamedArrays(render(b, 'firmware/weights.h', l), l.arrays) });
  const root = templatesRoot();
  for (const f of listFiles(path.join(root, 'hls', 'fml'))) files.push({ path: `firmware/fml/${f}`, content: readFileSync(path.join(root, 'hls', 'fml', f), 'utf8') });
  for (const f of listFiles(path.join(root, 'ap_types'))) files.push({ path: `firmware/ap_types/${f}`, content: readFileSync(path.join(root, 'ap_types', f), 'utf8') });
  files.push({ path: `${project}_test.cpp`, content: render(b, 'project_test.cpp', view) });
  files.push({ path: 'tb_data/tb_input_features.dat', content: datFile(o.tbInputs) });
  files.push({ path: 'tb_data/tb_output_predictions.dat', content: datFile(o.tbOutputs) });
  files.push({ path: 'build_prj.tcl', content: render(b, 'build_prj.tcl', view) });
  files.push({ path: 'vivado_synth.tcl', content: render(b, 'vivado_synth.tcl', view) });
  files.push({ path: 'README.md', content: render(b, 'README.md', view) });
  if (o.extraFiles) files.push(...o.extraFiles);
  if (view.isAlveo) {
    files.push({ path: `kernel/${project}_kernel.cpp`, content: render('vitis', 'kernel/kernel.cpp', view) });
    files.push({ path: 'Makefile', content: render('vitis', 'Makefile', view) });
  }
  const lock = {
    fastml: o.fastmlVersion,
    project,
    model: { file: path.basename(o.modelFile), sha256: o.modelSha256 },
    config: { ...(o.configSha256 ? { sha256: o.configSha256 } : {}), resolved: o.settings },
    backend: o.backend,
    io: o.io,
    part: o.part,
    clockNs: o.clockNs,
    ...(o.board ? { board: o.board } : {}),
    ...(o.platform ? { platform: o.platform } : {}),
    ...(o.accelerator ? { accelerator: o.accelerator } : {}),
  };
  // The lock lists the SHA-256 of every other file; the writer hashes them as it writes them.
  const others = files.map((f) => f.path);
  files.push({
    path: 'fastml.lock.json',
    content: {
      fromHashes: (h) => {
        const hashes: Record<string, string> = {};
        for (const p of others) hashes[p] = h.get(p) ?? missingHash(p);
        return stableJson({ ...lock, files: hashes });
      },
    },
  });
  return files;
}

function missingHash(p: string): never {
  throw new InternalError(`no hash for generated file ${p} (the lock file must be written last)`);
}

/**
 * A rendered weights header whose large arrays are still placeholders (streamMarker): the text
 * around them as it is, each placeholder replaced by the array's streamed initializer.
 */
function withStreamedArrays(text: string, arrays: readonly ArrayView[]): string | StreamedContent {
  const streamed = arrays.filter((a) => a.chunks);
  if (streamed.length === 0) return text;
  return {
    *chunks() {
      let rest = text;
      for (const a of streamed) {
        const m = streamMarker(a.name);
        const at = rest.indexOf(m);
        if (at < 0) throw new InternalError(`array ${a.name} is missing from its weights header`);
        yield rest.slice(0, at);
        yield* a.chunks!();
        rest = rest.slice(at + m.length);
      }
      yield rest;
    },
  };
}
