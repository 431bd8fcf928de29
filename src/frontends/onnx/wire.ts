/**
 * @fileoverview A protobuf wire-format reader for the part of onnx.proto that fastml reads: ModelProto
 * down to nodes, attributes, tensors and value infos. Everything else (functions, training info,
 * sparse tensors, doc strings, ...) is skipped by wire type.
 *
 * Why not onnx-proto's generated decoder: loading it (the whole onnx.proto as JavaScript, plus
 * protobufjs) costs about 40 ms of every `fastml` run that reads an ONNX model, more than parsing
 * a 4k-parameter model takes. This reader loads in well under a millisecond. The decoded objects
 * use onnx-proto's field names (camelCase) so the frontend reads both alike; int64 fields become
 * Numbers (exact up to 2^53, like Long.toNumber), bytes fields are views into the file's buffer
 * (no copy: a 40 MB raw_data initializer is not duplicated).
 *
 * Errors (truncated or corrupt data, a wire type that contradicts the field's type) throw a
 * WireError with the byte offset; decodeModel turns it into the FML1100 diagnostic. Field numbers
 * are onnx.proto's (the same in onnx-proto's generated decoder, which the tests compare against).
 */

export class WireError extends Error {}

export interface OperatorSetIdProto {
  domain?: string;
  version?: number;
}

export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

export interface TensorProto {
  name?: string | null;
  /** int64 values (onnx-proto gives Longs, this reader Numbers; read them with toNum). */
  dims?: ReadonlyArray<unknown> | null;
  dataType?: number | null;
  rawData?: Uint8Array | null;
  floatData?: ArrayLike<number> | null;
  doubleData?: ArrayLike<number> | null;
  int32Data?: ArrayLike<unknown> | null;
  int64Data?: ArrayLike<unknown> | null;
  uint64Data?: ArrayLike<unknown> | null;
  dataLocation?: number | null;
  externalData?: ReadonlyArray<StringStringEntryProto> | null;
}

export interface AttributeProto {
  name?: string | null;
  type?: number | null;
  f?: number | null;
  i?: unknown;
  s?: Uint8Array | null;
  t?: TensorProto | null;
  floats?: ArrayLike<number> | null;
  ints?: ReadonlyArray<unknown> | null;
  strings?: ReadonlyArray<Uint8Array> | null;
}

export interface NodeProto {
  input?: string[] | null;
  output?: string[] | null;
  name?: string | null;
  opType?: string | null;
  domain?: string | null;
  attribute?: AttributeProto[] | null;
}

export interface DimensionProto {
  dimValue?: unknown;
  dimParam?: string | null;
}

export interface ValueInfoProto {
  name?: string | null;
  type?: { tensorType?: { elemType?: number | null; shape?: { dim?: DimensionProto[] | null } | null } | null } | null;
}

export interface GraphProto {
  name?: string | null;
  node?: NodeProto[] | null;
  initializer?: TensorProto[] | null;
  input?: ValueInfoProto[] | null;
  output?: ValueInfoProto[] | null;
  valueInfo?: ValueInfoProto[] | null;
  /** Sparse initializers, undecoded (the frontend refuses them; it only needs to know they are there). */
  sparseInitializer?: Uint8Array[] | null;
}

export interface ModelProto {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  opsetImport?: OperatorSetIdProto[];
  graph?: GraphProto | null;
  metadataProps?: StringStringEntryProto[];
}

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

const utf8 = new TextDecoder();

/** A cursor over one buffer; `end` bounds the message being read. */
class Reader {
  pos = 0;
  private readonly dv: DataView;
  constructor(readonly buf: Uint8Array) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private fail(what: string): never {
    throw new WireError(`${what} at offset ${this.pos}`);
  }

  /** A varint as an unsigned 32-bit value (tags, lengths, enums); longer varints keep their low bits. */
  uint32(): number {
    let v = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      if (shift < 32) v |= (b & 0x7f) << shift;
      if (b < 0x80) return v >>> 0;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** int32 field: the low 32 bits as a signed value (negative int32s are 10-byte varints). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** int64 (signed) or uint64 varint as a Number (exact below 2^53, as Long.toNumber). */
  int64(unsigned = false): number {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) break;
      shift += 7;
      if (shift >= 70) this.fail('varint longer than 10 bytes');
    }
    return (unsigned ? hi >>> 0 : hi | 0) * 4294967296 + (lo >>> 0);
  }

  float(): number {
    if (this.pos + 4 > this.buf.length) this.fail('truncated float');
    const v = this.dv.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.buf.length) this.fail('truncated double');
    const v = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** The end offset of a length-delimited field starting here, checked against `limit`. */
  lenEnd(limit: number): number {
    const n = this.uint32();
    const end = this.pos + n;
    if (end > limit) this.fail(`length ${n} runs past the end of its message`);
    return end;
  }

  bytes(limit: number): Uint8Array {
    const end = this.lenEnd(limit);
    const b = this.buf.subarray(this.pos, end);
    this.pos = end;
    return b;
  }

  string(limit: number): string {
    return utf8.decode(this.bytes(limit));
  }

  skip(wire: number, limit: number): void {
    switch (wire) {
      case VARINT:
        this.int64();
        return;
      case I64:
        this.pos += 8;
        break;
      case LEN:
        this.pos = this.lenEnd(limit);
        return;
      case I32:
        this.pos += 4;
        break;
      default:
        // Groups (3, 4) are proto2-only and unused by ONNX; 6 and 7 are not wire types.
        this.fail(`invalid wire type ${wire}`);
    }
    if (this.pos > limit) this.fail('truncated field');
  }
}

/** One message: calls `field(number, wire)` for each field until `end`; the handler reads or skips it. */
function readMessage(r: Reader, end: number, field: (no: number, wire: number) => boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wire = tag & 7;
    if (no === 0) throw new WireError(`field number 0 at offset ${r.pos}`);
    if (!field(no, wire)) r.skip(wire, end);
  }
  if (r.pos !== end) throw new WireError(`a field runs past the end of its message at offset ${r.pos}`);
}

function expectWire(r: Reader, wire: number, want: number, what: string): void {
  if (wire !== want) throw new WireError(`${what} has wire type ${wire}, expected ${want}, at offset ${r.pos}`);
}

/** A repeated scalar, packed (one length-delimited run) or not (one value per field). */
function repeated(r: Reader, wire: number, scalarWire: number, end: number, read: () => number, into: number[]): void {
  if (wire === LEN) {
    const stop = r.lenEnd(end);
    while (r.pos < stop) into.push(read());
    if (r.pos !== stop) throw new WireError(`a packed field runs past its length at offset ${r.pos}`);
  } else {
    expectWire(r, wire, scalarWire, 'a repeated field');
    into.push(read());
  }
}

function sub<T>(r: Reader, wire: number, end: number, decode: (r: Reader, end: number) => T): T {
  expectWire(r, wire, LEN, 'a message field');
  const stop = r.lenEnd(end);
  return decode(r, stop);
}

function str(r: Reader, wire: number, end: number): string {
  expectWire(r, wire, LEN, 'a string field');
  return r.string(end);
}

function varint(r: Reader, wire: number): void {
  expectWire(r, wire, VARINT, 'an integer field');
}

function entry(r: Reader, end: number): StringStringEntryProto {
  const e: StringStringEntryProto = {};
  readMessage(r, end, (no, wire) => {
    if (no === 1) e.key = str(r, wire, end);
    else if (no === 2) e.value = str(r, wire, end);
    else return false;
    return true;
  });
  return e;
}

function tensor(r: Reader, end: number): TensorProto {
  const t: TensorProto = {};
  let dims: number[] | undefined;
  let floatData: number[] | undefined;
  let doubleData: number[] | undefined;
  let int32Data: number[] | undefined;
  let int64Data: number[] | undefined;
  let uint64Data: number[] | undefined;
  let externalData: StringStringEntryProto[] | undefined;
  readMessage(r, end, (no, wire) => {
    switch (no) {
      case 1:
        repeated(r, wire, VARINT, end, () => r.int64(), (dims ??= []));
        return true;
      case 2:
        varint(r, wire);
        t.dataType = r.int32();
        return true;
      case 4:
        repeated(r, wire, I32, end, () => r.float(), (floatData ??= []));
        return true;
      case 5:
        repeated(r, wire, VARINT, end, () => r.int32(), (int32Data ??= []));
        return true;
      case 7:
        repeated(r, wire, VARINT, end, () => r.int64(), (int64Data ??= []));
        return true;
      case 8:
        t.name = str(r, wire, end);
        return true;
      case 9:
        expectWire(r, wire, LEN, 'raw_data');
        t.rawData = r.bytes(end);
        return true;
      case 10:
        repeated(r, wire, I64, end, () => r.double(), (doubleData ??= []));
        return true;
      case 11:
        repeated(r, wire, VARINT, end, () => r.int64(true), (uint64Data ??= []));
        return true;
      case 13:
        (externalData ??= []).push(sub(r, wire, end, entry));
        return true;
      case 14:
        varint(r, wire);
        t.dataLocation = r.int32();
        return true;
      default:
        return false;
    }
  });
  if (dims) t.dims = dims;
  if (floatData) t.floatData = floatData;
  if (doubleData) t.doubleData = doubleData;
  if (int32Data) t.int32Data = int32Data;
  if (int64Data) t.int64Data = int64Data;
  if (uint64Data) t.uint64Data = uint64Data;
  if (externalData) t.externalData = externalData;
  return t;
}

function attribute(r: Reader, end: number): AttributeProto {
  const a: AttributeProto = {};
  let floats: number[] | undefined;
  let ints: number[] | undefined;
  let strings: Uint8Array[] | undefined;
  readMessage(r, end, (no, wire) => {
    switch (no) {
      case 1:
        a.name = str(r, wire, end);
        return true;
      case 2:
        expectWire(r, wire, I32, 'attribute f');
        a.f = r.float();
        return true;
      case 3:
        varint(r, wire);
        a.i = r.int64();
        return true;
      case 4:
        expectWire(r, wire, LEN, 'attribute s');
        a.s = r.bytes(end);
        return true;
      case 5:
        a.t = sub(r, wire, end, tensor);
        return true;
      case 7:
        repeated(r, wire, I32, end, () => r.float(), (floats ??= []));
        return true;
      case 8:
        repeated(r, wire, VARINT, end, () => r.int64(), (ints ??= []));
        return true;
      case 9:
        expectWire(r, wire, LEN, 'attribute strings');
        (strings ??= []).push(r.bytes(end));
        return true;
      case 20:
        varint(r, wire);
        a.type = r.int32();
        return true;
      default:
        return false;
    }
  });
  if (floats) a.floats = floats;
  if (ints) a.ints = ints;
  if (strings) a.strings = strings;
  return a;
}

function node(r: Reader, end: number): NodeProto {
  const n: NodeProto = { input: [], output: [], attribute: [] };
  readMessage(r, end, (no, wire) => {
    switch (no) {
      case 1:
        n.input!.push(str(r, wire, end));
        return true;
      case 2:
        n.output!.push(str(r, wire, end));
        return true;
      case 3:
        n.name = str(r, wire, end);
        return true;
      case 4:
        n.opType = str(r, wire, end);
        return true;
      case 5:
        n.attribute!.push(sub(r, wire, end, attribute));
        return true;
      case 7:
        n.domain = str(r, wire, end);
        return true;
      default:
        return false;
    }
  });
  return n;
}

function dimension(r: Reader, end: number): DimensionProto {
  const d: DimensionProto = {};
  readMessage(r, end, (no, wire) => {
    if (no === 1) {
      varint(r, wire);
      d.dimValue = r.int64();
    } else if (no === 2) d.dimParam = str(r, wire, end);
    else return false;
    return true;
  });
  return d;
}

function valueInfo(r: Reader, end: number): ValueInfoProto {
  const v: ValueInfoProto = {};
  readMessage(r, end, (no, wire) => {
    if (no === 1) v.name = str(r, wire, end);
    else if (no === 2)
      v.type = sub(r, wire, end, (r2, end2) => {
        const ty: NonNullable<ValueInfoProto['type']> = {};
        readMessage(r2, end2, (no2, wire2) => {
          if (no2 !== 1) return false;
          ty.tensorType = sub(r2, wire2, end2, (r3, end3) => {
            const tt: NonNullable<NonNullable<ValueInfoProto['type']>['tensorType']> = {};
            readMessage(r3, end3, (no3, wire3) => {
              if (no3 === 1) {
                varint(r3, wire3);
                tt.elemType = r3.int32();
              } else if (no3 === 2)
                tt.shape = sub(r3, wire3, end3, (r4, end4) => {
                  const dim: DimensionProto[] = [];
                  readMessage(r4, end4, (no4, wire4) => {
                    if (no4 !== 1) return false;
                    dim.push(sub(r4, wire4, end4, dimension));
                    return true;
                  });
                  return { dim };
                });
              else return false;
              return true;
            });
            return tt;
          });
          return true;
        });
        return ty;
      });
    else return false;
    return true;
  });
  return v;
}

function graph(r: Reader, end: number): GraphProto {
  const g: GraphProto = { node: [], initializer: [], input: [], output: [], valueInfo: [] };
  readMessage(r, end, (no, wire) => {
    switch (no) {
      case 1:
        g.node!.push(sub(r, wire, end, node));
        return true;
      case 2:
        g.name = str(r, wire, end);
        return true;
      case 5:
        g.initializer!.push(sub(r, wire, end, tensor));
        return true;
      case 11:
        g.input!.push(sub(r, wire, end, valueInfo));
        return true;
      case 12:
        g.output!.push(sub(r, wire, end, valueInfo));
        return true;
      case 13:
        g.valueInfo!.push(sub(r, wire, end, valueInfo));
        return true;
      case 15:
        expectWire(r, wire, LEN, 'sparse_initializer');
        (g.sparseInitializer ??= []).push(r.bytes(end));
        return true;
      default:
        return false;
    }
  });
  return g;
}

/** Decodes a serialized onnx.ModelProto; throws WireError on malformed data. */
export function decodeModelProto(bytes: Uint8Array): ModelProto {
  const r = new Reader(bytes);
  const end = bytes.length;
  const m: ModelProto = { opsetImport: [], metadataProps: [] };
  readMessage(r, end, (no, wire) => {
    switch (no) {
      case 1:
        varint(r, wire);
        m.irVersion = r.int64();
        return true;
      case 2:
        m.producerName = str(r, wire, end);
        return true;
      case 3:
        m.producerVersion = str(r, wire, end);
        return true;
      case 4:
        m.domain = str(r, wire, end);
        return true;
      case 5:
        varint(r, wire);
        m.modelVersion = r.int64();
        return true;
      case 7:
        m.graph = sub(r, wire, end, graph);
        return true;
      case 8:
        m.opsetImport!.push(
          sub(r, wire, end, (r2, end2) => {
            const o: OperatorSetIdProto = {};
            readMessage(r2, end2, (no2, wire2) => {
              if (no2 === 1) o.domain = str(r2, wire2, end2);
              else if (no2 === 2) {
                varint(r2, wire2);
                o.version = r2.int64();
              } else return false;
              return true;
            });
            return o;
          }),
        );
        return true;
      case 14:
        m.metadataProps!.push(sub(r, wire, end, entry));
        return true;
      default:
        return false;
    }
  });
  return m;
}
