/**
 * @fileoverview The typed view model of a generated HLS project. TypeScript decides everything
 * (names, types, sizes, call expressions, constant values); the Handlebars templates only place
 * these fields. Fields are plain strings and numbers so templates cannot compute anything.
 */

export type Backend = 'vivado' | 'vitis';
export type IoType = 'io_parallel' | 'io_stream';

/** A static constant or a typedef inside a generated config struct. */
export interface ConfigMember {
  readonly name: string;
  readonly value: string;
  /** C++ type of a constant ('unsigned', 'int', 'bool'); empty for typedefs. */
  readonly ctype: string;
}

/** One `struct cfg_... { ... };` in parameters.h. */
export interface ConfigView {
  readonly name: string;
  readonly comment: string;
  readonly consts: readonly ConfigMember[];
  /** typedefs: name -> C++ type (already rendered for the backend). */
  readonly types: readonly ConfigMember[];
}

/** A constant array in weights/<layer>.h: weights, biases, tables, parameters. */
export interface ArrayView {
  readonly name: string;
  /** Element C++ type (typedef name or builtin). */
  readonly ctype: string;
  readonly size: number;
  /**
   * Brace initializer with exact values; for large arrays a placeholder (streamMarker) that the
   * project writer replaces with `chunks()`, so the text is never held as one string.
   */
  readonly init: string;
  readonly chunks?: () => Iterable<string | Uint8Array>;
  readonly comment: string;
}

/** A tensor between layers. */
export interface TensorView {
  /** Name in the model (for comments only). */
  readonly name: string;
  readonly comment: string;
  /** C++ identifier of the tensor's buffer / stream. */
  readonly ident: string;
  /** typedef name of its element type. */
  readonly ctype: string;
  /** The element type as C++ spells it, e.g. ap_fixed<16,6>. */
  readonly cpp: string;
  /** packet typedef name (io_stream). */
  readonly ptype: string;
  readonly size: number;
  /** io_stream: packets per frame and values per packet (channels, last axis). */
  readonly npix: number;
  readonly nchan: number;
  readonly shape: string;
}

export interface LayerView {
  readonly index: number;
  /** The layer's name in the model (comments only). */
  readonly comment: string;
  readonly ident: string;
  readonly op: string;
  readonly inputs: readonly TensorView[];
  readonly output: TensorView;
  readonly configs: readonly ConfigView[];
  readonly arrays: readonly ArrayView[];
  /** weights/ header file name (a safe, generated name) or '' when the layer has no constants. */
  readonly weightsFile: string;
  /** The kernel call on the parallel buffers. */
  readonly callParallel: string;
  /** The kernel call inside the io_stream wrapper (buffers x0, x1, ..., y). */
  readonly callStream: string;
  /** io_stream kernels that stream themselves (line-buffer convolution): the call on in0/out, else ''. */
  readonly streamDirect: string;
}

/** Stream plumbing of the io_stream top function. */
export interface StreamDecl {
  readonly ident: string;
  readonly ptype: string;
  readonly depth: number;
}

export interface StreamStep {
  /** A full statement, e.g. `s_L2_fc1(input_0, L2_fc1_s);` or a clone. */
  readonly stmt: string;
}

export interface PortView {
  readonly ident: string;
  readonly tensor: TensorView;
  readonly comment: string;
}

export interface ProjectView {
  readonly project: string;
  readonly modelName: string;
  readonly modelFile: string;
  readonly backend: Backend;
  readonly io: IoType;
  readonly isStream: boolean;
  readonly part: string;
  readonly clock: string;
  readonly board: string;
  readonly isAlveo: boolean;
  readonly platform: string;
  readonly fastmlVersion: string;
  readonly guard: string;
  readonly inputs: readonly PortView[];
  readonly outputs: readonly PortView[];
  /** Distinct tensor typedefs for defines.h. */
  readonly tensors: readonly TensorView[];
  readonly layers: readonly LayerView[];
  /** io_parallel: intermediate buffers; io_stream: streams and steps. */
  readonly buffers: readonly TensorView[];
  readonly outputCopies: readonly string[];
  readonly streams: readonly StreamDecl[];
  readonly streamSteps: readonly StreamStep[];
  readonly nSamples: number;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly csimCommand: string;
}
