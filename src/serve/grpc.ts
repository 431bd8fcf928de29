/**
 * @fileoverview The KServe v2 gRPC front end (`inference.GRPCInferenceService`) with @grpc/grpc-js and
 * the protocol's .proto (proto/grpc_predict_v2.proto, loaded at start with @grpc/proto-loader):
 * ServerLive, ServerReady, ModelReady, ServerMetadata, ModelMetadata and ModelInfer with typed
 * `contents` or `raw_input_contents`. A request sent raw is answered raw (`raw_output_contents`), as
 * Triton does; typed requests get typed outputs. Errors carry the protocol's status codes:
 * INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED (over --max-request-mb), UNAVAILABLE (shutting down).
 */

import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Registry } from './registry.js';
import { RequestError, checkDatatype, checkShape, decodeContents, decodeRaw, encodeRaw } from './tensors.js';

export const PROTO_FILE = fileURLToPath(new URL('../../proto/grpc_predict_v2.proto', import.meta.url));

const CODES = { invalid: grpc.status.INVALID_ARGUMENT, not_found: grpc.status.NOT_FOUND, too_large: grpc.status.RESOURCE_EXHAUSTED, unavailable: grpc.status.UNAVAILABLE } as const;

interface InferInput {
  name: string;
  datatype: string;
  shape: string[];
  contents: Record<string, unknown> | null;
}

interface InferRequestMsg {
  modelName: string;
  modelVersion: string;
  id: string;
  inputs: InferInput[];
  outputs: Array<{ name: string }>;
  rawInputContents: Buffer[];
}

type Handler = (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => void;

export function createGrpcServer(reg: Registry, maxRequestBytes: number, log: (line: string) => void): grpc.Server {
  const def = protoLoader.loadSync(PROTO_FILE, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: { service: grpc.ServiceDefinition } } };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': maxRequestBytes, 'grpc.max_send_message_length': -1 });

  const fail = (rpc: string, model: string, e: unknown, cb: grpc.sendUnaryData<unknown>): void => {
    const known = e instanceof RequestError;
    const msg = known ? e.message : `internal error: ${(e as Error)?.message ?? String(e)}`;
    reg.metrics.failures.inc({ model, protocol: 'grpc', reason: known ? e.kind : 'internal' });
    log(`grpc ${rpc} ${model} ${known ? e.kind : 'internal'} ${msg}`);
    cb({ code: known ? CODES[e.kind] : grpc.status.INTERNAL, details: msg });
  };

  const handlers: Record<string, Handler> = {
    ServerLive: (_c, cb) => cb(null, { live: true }),
    ServerReady: (_c, cb) => cb(null, { ready: reg.ready() }),
    ModelReady: (c, cb) => {
      try {
        const m = reg.model(c.request.name);
        m.checkVersion(c.request.version || undefined);
        cb(null, { ready: reg.ready() });
      } catch (e) {
        fail('ModelReady', String(c.request.name), e, cb);
      }
    },
    ServerMetadata: (_c, cb) => cb(null, reg.serverMetadata()),
    ModelMetadata: (c, cb) => {
      try {
        const m = reg.model(c.request.name);
        m.checkVersion(c.request.version || undefined);
        cb(null, m.metadata());
      } catch (e) {
        fail('ModelMetadata', String(c.request.name), e, cb);
      }
    },
    ModelInfer: (c, cb) => {
      const r = c.request as InferRequestMsg;
      const name = r.modelName;
      let model;
      try {
        model = reg.model(name);
        model.checkVersion(r.modelVersion || undefined);
        if (!reg.ready()) throw new RequestError('the server is shutting down', 'unavailable');
      } catch (e) {
        fail('ModelInfer', name, e, cb);
        return;
      }
      reg.metrics.requests.inc({ model: name, protocol: 'grpc' });
      reg.metrics.inflight++;
      reg.begin();
      const t0 = performance.now();
      const raw = r.rawInputContents ?? [];
      void (async () => {
        try {
          if (!r.inputs?.length) throw new RequestError('the request has no inputs');
          if (raw.length && raw.length !== r.inputs.length) throw new RequestError(`raw_input_contents has ${raw.length} entries for ${r.inputs.length} inputs (one per input, in order, or none)`);
          const inputs = r.inputs.map((x, i) => {
            const dt = checkDatatype(x.name, x.datatype);
            const shape = checkShape(x.name, x.shape);
            const count = shape.reduce((a, b) => a * b, 1);
            const values = raw.length ? decodeRaw(x.name, dt, raw[i]!, count) : decodeContents(x.name, dt, x.contents, count);
            return { name: x.name, shape, values };
          });
          const wantedNames = (r.outputs ?? []).map((o) => o.name);
          model.checkRequestedOutputs(wantedNames);
          const outs = await model.infer(inputs, 'grpc');
          const wanted = wantedNames.length ? outs.filter((o) => wantedNames.includes(o.name)) : outs;
          reg.metrics.latency.observe((performance.now() - t0) / 1000, { model: name, protocol: 'grpc' });
          cb(null, {
            modelName: name,
            modelVersion: model.version,
            id: r.id,
            outputs: wanted.map((o) => ({
              name: o.name,
              datatype: o.datatype,
              shape: o.shape.map(String),
              ...(raw.length ? {} : { contents: o.datatype === 'FP32' ? { fp32Contents: Array.from(o.data) } : { fp64Contents: Array.from(o.data) } }),
            })),
            ...(raw.length ? { rawOutputContents: wanted.map((o) => encodeRaw(o.datatype, o.data)) } : {}),
          });
        } catch (e) {
          fail('ModelInfer', name, e, cb);
        } finally {
          reg.metrics.inflight--;
          reg.done();
        }
      })();
    },
  };
  server.addService(pkg.inference.GRPCInferenceService.service, handlers);
  return server;
}

export function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
}
