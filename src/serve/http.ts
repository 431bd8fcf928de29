/**
 * @fileoverview The KServe v2 HTTP/REST front end on Node's http module: health, server and model
 * metadata, readiness, inference with JSON tensors and with Triton's binary tensor data extension
 * (`Inference-Header-Content-Length`: a JSON header followed by raw little-endian tensors; inputs
 * carry `binary_data_size`, outputs are sent binary when asked with `binary_data`), and /metrics.
 * Errors are `{"error": "..."}` with 400 (bad request), 404 (unknown model or route), 413 (request
 * over --max-request-mb) or 503 (shutting down).
 */

import http from 'node:http';
import type { Registry } from './registry.js';
import { RequestError, checkDatatype, checkShape, decodeJson, decodeRaw, encodeRaw } from './tensors.js';
import type { DecodedInput, OutputTensor } from './model.js';

interface JsonInput {
  name?: unknown;
  shape?: unknown;
  datatype?: unknown;
  data?: unknown;
  parameters?: Record<string, unknown>;
}

interface JsonRequest {
  id?: unknown;
  inputs?: unknown;
  outputs?: unknown;
  parameters?: Record<string, unknown>;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const STATUS = { invalid: 400, not_found: 404, too_large: 413, unavailable: 503 } as const;

/** Reads the body up to `limit` bytes; rejects with a too_large RequestError past it. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new RequestError(`request body of ${declared} bytes is over the limit of ${limit} bytes (--max-request-mb)`, 'too_large'));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new RequestError(`request body is over the limit of ${limit} bytes (--max-request-mb)`, 'too_large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (Number.isFinite(declared) && size !== declared) reject(new RequestError(`request body has ${size} bytes; Content-Length said ${declared}`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
    req.on('aborted', () => reject(new RequestError('the client closed the request before its body was complete')));
  });
}

/** Parses a JSON or binary-extension infer body into decoded inputs and the output choices. */
export function parseInferBody(body: Buffer, headerLength: string | undefined): { id?: string; inputs: DecodedInput[]; outputs: string[]; binaryOut: Set<string>; binaryAll: boolean } {
  let jsonBytes = body;
  let binary: Buffer | undefined;
  if (headerLength !== undefined) {
    const L = Number(headerLength);
    if (!Number.isInteger(L) || L < 0 || L > body.length) throw new RequestError(`Inference-Header-Content-Length ${JSON.stringify(headerLength)} is not a length within the ${body.length}-byte body`);
    jsonBytes = body.subarray(0, L);
    binary = body.subarray(L);
  }
  let req: JsonRequest;
  try {
    req = JSON.parse(jsonBytes.toString('utf8')) as JsonRequest;
  } catch (e) {
    throw new RequestError(`the request is not valid JSON (${(e as Error).message})`);
  }
  if (!req || typeof req !== 'object' || Array.isArray(req)) throw new RequestError('the request must be a JSON object with "inputs"');
  if (!Array.isArray(req.inputs) || req.inputs.length === 0) throw new RequestError('"inputs" must be a non-empty array');
  let offset = 0;
  const inputs = (req.inputs as JsonInput[]).map((x, i) => {
    if (!x || typeof x !== 'object') throw new RequestError(`inputs[${i}] is not an object`);
    if (typeof x.name !== 'string' || x.name === '') throw new RequestError(`inputs[${i}] has no "name"`);
    const name = x.name;
    const dt = checkDatatype(name, x.datatype);
    const shape = checkShape(name, x.shape);
    const count = shape.reduce((a, b) => a * b, 1);
    const binSize = x.parameters?.binary_data_size;
    let values: Float64Array;
    if (binSize !== undefined) {
      if (!binary) throw new RequestError(`input "${name}" has binary_data_size but the request has no Inference-Header-Content-Length header`);
      const n = Number(binSize);
      if (!Number.isInteger(n) || n < 0 || offset + n > binary.length) throw new RequestError(`input "${name}": binary_data_size ${JSON.stringify(binSize)} runs past the ${binary.length} bytes of binary data`);
      values = decodeRaw(name, dt, binary.subarray(offset, offset + n), count);
      offset += n;
    } else {
      if (x.data === undefined) throw new RequestError(`input "${name}" has neither "data" nor a binary_data_size parameter`);
      values = decodeJson(name, dt, x.data, count);
    }
    return { name, shape, values };
  });
  if (binary && offset !== binary.length) throw new RequestError(`${binary.length - offset} bytes of binary data are not claimed by any input's binary_data_size`);
  const outs = req.outputs === undefined ? [] : Array.isArray(req.outputs) ? (req.outputs as Array<{ name?: unknown; parameters?: Record<string, unknown> }>) : undefined;
  if (!outs) throw new RequestError('"outputs" must be an array');
  const names: string[] = [];
  const binaryOut = new Set<string>();
  outs.forEach((o, i) => {
    if (!o || typeof o.name !== 'string') throw new RequestError(`outputs[${i}] has no "name"`);
    names.push(o.name);
    if (o.parameters?.binary_data === true) binaryOut.add(o.name);
  });
  const id = typeof req.id === 'string' ? req.id : undefined;
  return { ...(id !== undefined ? { id } : {}), inputs, outputs: names, binaryOut, binaryAll: req.parameters?.binary_data_output === true };
}

function inferResponse(res: http.ServerResponse, modelName: string, version: string, id: string | undefined, outs: OutputTensor[], binaryOut: Set<string>, binaryAll: boolean): void {
  const parts: Buffer[] = [];
  const outputs = outs.map((o) => {
    if (binaryAll || binaryOut.has(o.name)) {
      const b = encodeRaw(o.datatype, o.data);
      parts.push(b);
      return { name: o.name, datatype: o.datatype, shape: o.shape, parameters: { binary_data_size: b.length } };
    }
    return { name: o.name, datatype: o.datatype, shape: o.shape, data: Array.from(o.datatype === 'FP32' ? new Float32Array(o.data) : o.data) };
  });
  const head = Buffer.from(JSON.stringify({ model_name: modelName, model_version: version, ...(id !== undefined ? { id } : {}), outputs }));
  if (parts.length === 0) {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': head.length });
    res.end(head);
    return;
  }
  const body = Buffer.concat([head, ...parts]);
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(head.length), 'Content-Length': body.length });
  res.end(body);
}

const MODEL_ROUTE = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?\/?$/;

export function createHttpServer(reg: Registry, maxRequestBytes: number, log: (line: string) => void): http.Server {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    const fail = (e: unknown, model = '-'): void => {
      const err = e instanceof RequestError ? e : new RequestError(`internal error: ${(e as Error)?.message ?? String(e)}`, 'invalid');
      const status = e instanceof RequestError ? STATUS[err.kind] : 500;
      reg.metrics.failures.inc({ model, protocol: 'http', reason: e instanceof RequestError ? err.kind : 'internal' });
      log(`http ${req.method} ${url} ${status} ${err.message}`);
      if (!res.headersSent && !res.destroyed) send(res, status, { error: err.message });
    };
    try {
      if (req.method === 'GET' && url === '/v2/health/live') return send(res, 200, { live: true });
      if (req.method === 'GET' && url === '/v2/health/ready') return send(res, reg.ready() ? 200 : 503, { ready: reg.ready() });
      if (req.method === 'GET' && (url === '/v2' || url === '/v2/')) return send(res, 200, reg.serverMetadata());
      if (req.method === 'GET' && url === '/metrics') {
        const text = reg.metrics.text();
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4', 'Content-Length': Buffer.byteLength(text) });
        return res.end(text);
      }
      const m = MODEL_ROUTE.exec(url);
      if (!m) throw new RequestError(`no route ${req.method} ${url}`, 'not_found');
      const name = decodeURIComponent(m[1]!);
      const model = reg.model(name);
      model.checkVersion(m[2] ? decodeURIComponent(m[2]) : undefined);
      if (req.method === 'GET' && m[3] === '/ready') return send(res, reg.ready() ? 200 : 503, { name, ready: reg.ready() });
      if (req.method === 'GET' && m[3] === undefined) return send(res, 200, model.metadata());
      if (req.method !== 'POST' || m[3] !== '/infer') throw new RequestError(`no route ${req.method} ${url}`, 'not_found');
      if (!reg.ready()) throw new RequestError('the server is shutting down', 'unavailable');
      reg.metrics.requests.inc({ model: name, protocol: 'http' });
      reg.metrics.inflight++;
      reg.begin();
      const t0 = performance.now();
      readBody(req, maxRequestBytes)
        .then(async (body) => {
          const headerLength = req.headers['inference-header-content-length'];
          const p = parseInferBody(body, Array.isArray(headerLength) ? headerLength[0] : headerLength);
          model.checkRequestedOutputs(p.outputs);
          const outs = await model.infer(p.inputs, 'http');
          const wanted = p.outputs.length ? outs.filter((o) => p.outputs.includes(o.name)) : outs;
          reg.metrics.latency.observe((performance.now() - t0) / 1000, { model: name, protocol: 'http' });
          if (!res.destroyed) inferResponse(res, name, model.version, p.id, wanted, p.binaryOut, p.binaryAll);
        })
        .catch((e: unknown) => fail(e, name))
        .finally(() => {
          reg.metrics.inflight--;
          reg.done();
        });
    } catch (e) {
      fail(e);
    }
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  return server;
}
