/**
 * @fileoverview `fastml serve` as users reach it: a real server process (node bin/fastml.js serve) with the
 * shared MLP, CNN and QONNX models, called by an independent gRPC client (Debian's python3-grpcio with
 * stubs compiled by python3-grpc-tools from the project's .proto; installed with apt-get when absent)
 * with typed and raw contents, and by curl over HTTP with JSON and binary tensor data. Every answer
 * equals `fastml emulate` on the same inputs bit for bit. Then the faults: unknown model, wrong tensor
 * name, count, raw size and datatype, malformed protobuf, invalid JSON, truncated bodies, clients that
 * disconnect mid-request, oversized requests, a 10 000-request burst of bad inputs with good requests
 * answered correctly throughout and memory bounded, concurrent requests gathered into batches, and a
 * graceful SIGTERM that answers the requests in flight.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';
import { dataDir } from '../helpers/data.js';

const root = process.cwd();
const M = (p: string) => path.join(dataDir, 'models', p);
const PY = '/usr/bin/python3';
const MODELS = [
  { name: 'mlp', file: M('jet_mlp_3layer/KERAS_3layer.json') },
  { name: 'cnn', file: M('conv2d_small/KERAS_conv2d_model.json') },
  { name: 'qonnx', file: M('qonnx_jet_mlp_3layer/qkeras_jettagging.onnx') },
];
const N = 20;

interface Served {
  name: string;
  input: string;
  shape: number[];
  x: Float64Array;
  /** fastml emulate's outputs on x, flat. */
  y: Float64Array;
  outName: string;
  outDatatype: string;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pyHasGrpc(): boolean {
  return existsSync(PY) && spawnSync(PY, ['-c', 'import grpc, grpc_tools'], { stdio: 'ignore' }).status === 0;
}

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

describe('fastml serve (KServe v2 over HTTP and gRPC)', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-serve-'));
  let server: ChildProcess;
  let stderr = '';
  let http = '';
  let grpcTarget = '';
  const served: Served[] = [];

  beforeAll(async () => {
    if (!existsSync(path.join(root, 'dist/cli/main.js'))) throw new Error('build first (npm run build): the test runs bin/fastml.js');
    if (!pyHasGrpc()) {
      if (process.getuid?.() !== 0) throw new Error('python3-grpcio and python3-grpc-tools are missing (apt-get install python3-grpcio python3-grpc-tools)');
      execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 python3-grpcio python3-grpc-tools'], { stdio: 'ignore', timeout: 600_000 });
    }
    execFileSync(PY, ['-m', 'grpc_tools.protoc', `-I${path.join(root, 'proto')}`, `--python_out=${tmp}`, `--grpc_python_out=${tmp}`, path.join(root, 'proto/grpc_predict_v2.proto')]);

    server = spawn(process.execPath, [path.join(root, 'bin/fastml.js'), 'serve', ...MODELS.map((m) => `${m.file}=${m.name}`), '--http', '0', '--grpc', '0', '--workers', '2', '--max-request-mb', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start:\n${stdout}\n${stderr}`)), 60_000);
      server.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /HTTP (http:\/\/[0-9.]+:\d+), gRPC ([0-9.]+:\d+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          http = m[1]!;
          grpcTarget = m[2]!;
          resolve();
        }
      });
      server.on('exit', (c) => reject(new Error(`the server exited (${c}):\n${stderr}`)));
    });

    // Inputs per model (uniform in [-4, 4), float32 values) and `fastml emulate`'s outputs on them.
    for (const [k, m] of MODELS.entries()) {
      const meta = (await (await fetch(`${http}/v2/models/${m.name}`)).json()) as { inputs: Array<{ name: string; shape: number[] }>; outputs: Array<{ name: string; datatype: string }> };
      const shape = [N, ...meta.inputs[0]!.shape.slice(1)];
      const r = rng(100 + k);
      const x = Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.fround(r() * 8 - 4));
      const xf = path.join(tmp, `${m.name}_x.npy`);
      writeFileSync(xf, encodeNpy({ shape, data: x }));
      const yf = path.join(tmp, `${m.name}_y.npy`);
      const io = memoryIO(tmp);
      expect(await main(['emulate', m.file, '--input', xf, '--output', yf], io), io.stderr).toBe(0);
      const y = decodeNpy(new Uint8Array(readFileSync(yf))).data;
      served.push({ name: m.name, input: meta.inputs[0]!.name, shape, x, y: Float64Array.from(y), outName: meta.outputs[0]!.name, outDatatype: meta.outputs[0]!.datatype });
    }
  }, 900_000);

  afterAll(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
  });

  it('an independent gRPC client (python3-grpcio) calls every RPC; typed and raw answers equal fastml emulate bit for bit', () => {
    const spec = {
      models: served.flatMap((s) => (['typed', 'raw'] as const).map((mode) => ({ name: s.name, input: s.input, shape: s.shape, values: Array.from(s.x), mode }))),
      faults: true,
    };
    const specFile = path.join(tmp, 'grpc_spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const res = spawnSync(PY, [path.join(root, 'test/helpers/kserve_grpc_client.py'), tmp, grpcTarget, specFile], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(res.stderr).toBe('');
    const out = JSON.parse(res.stdout);
    expect(out.live).toBe(true);
    expect(out.ready).toBe(true);
    expect(out.server.name).toBe('fastml');
    expect(out.server.extensions).toContain('binary_tensor_data');
    expect(out.models).toHaveLength(6);
    for (const r of out.models) {
      const s = served.find((q) => q.name === r.name)!;
      expect(r.model_ready).toBe(true);
      expect(r.id).toBe(`req-${s.name}`);
      expect(r.metadata.inputs[0].shape[0]).toBe(-1);
      expect(r.metadata.inputs[0].shape.slice(1)).toEqual(s.shape.slice(1));
      expect(r.outputs[0].name).toBe(s.outName);
      expect(r.outputs[0].shape[0]).toBe(N);
      expect(r.outputs[0].data, `${r.name} ${r.mode}`).toEqual(Array.from(s.y));
    }
    expect(out.errors.unknown_model).toMatch(/^NOT_FOUND: unknown model "nope"/);
    expect(out.errors.model_ready_unknown).toMatch(/^NOT_FOUND/);
    expect(out.errors.wrong_name).toMatch(/^INVALID_ARGUMENT: model "mlp" has no input "not_an_input"/);
    expect(out.errors.wrong_count).toMatch(/^INVALID_ARGUMENT: input ".*": contents.fp32_contents has \d+ values; the shape needs \d+/);
    expect(out.errors.wrong_raw_size).toMatch(/^INVALID_ARGUMENT: input ".*": raw content has 7 bytes/);
    expect(out.errors.wrong_datatype).toMatch(/^INVALID_ARGUMENT: input ".*": datatype "BYTES" is not supported/);
    expect(out.errors.malformed).not.toBe('OK');
    expect(out.live_after).toBe(true);
  }, 120_000);

  it('curl over HTTP with JSON and with binary tensor data equals fastml emulate bit for bit', () => {
    for (const s of served) {
      const body = JSON.stringify({ id: 'c1', inputs: [{ name: s.input, shape: s.shape, datatype: 'FP32', data: Array.from(s.x) }] });
      const j = JSON.parse(execFileSync('curl', ['-sS', '-X', 'POST', '-H', 'Content-Type: application/json', '--data-binary', body, `${http}/v2/models/${s.name}/infer`], { encoding: 'utf8', maxBuffer: 64 << 20 }));
      expect(j.id).toBe('c1');
      expect(j.outputs[0].data).toEqual(Array.from(s.y));
      // Binary extension both ways: FP32 input bytes after the JSON header, outputs asked binary.
      const head = Buffer.from(JSON.stringify({ inputs: [{ name: s.input, shape: s.shape, datatype: 'FP32', parameters: { binary_data_size: s.x.length * 4 } }], outputs: [{ name: s.outName, parameters: { binary_data: true } }] }));
      const file = path.join(tmp, `${s.name}_bin.req`);
      writeFileSync(file, Buffer.concat([head, Buffer.from(new Float32Array(s.x).buffer)]));
      const raw = execFileSync('curl', ['-sS', '-D', path.join(tmp, 'h.txt'), '-X', 'POST', '-H', `Inference-Header-Content-Length: ${head.length}`, '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${file}`, `${http}/v2/models/${s.name}/infer`], { maxBuffer: 64 << 20 });
      const hl = Number(/inference-header-content-length: (\d+)/i.exec(readFileSync(path.join(tmp, 'h.txt'), 'utf8'))![1]);
      const rh = JSON.parse(raw.subarray(0, hl).toString());
      const bytes = raw.subarray(hl);
      expect(rh.outputs[0].parameters.binary_data_size).toBe(bytes.length);
      const vals = rh.outputs[0].datatype === 'FP32' ? new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)) : new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      expect(Array.from(vals)).toEqual(Array.from(s.y));
    }
    const live = execFileSync('curl', ['-sS', '-w', '%{http_code}', `${http}/v2/health/live`], { encoding: 'utf8' });
    expect(live.endsWith('200')).toBe(true);
    expect(execFileSync('curl', ['-sS', '-w', ' %{http_code}', `${http}/v2/models/mlp/ready`], { encoding: 'utf8' })).toMatch(/"ready":true.* 200$/);
    expect(execFileSync('curl', ['-sS', '-w', ' %{http_code}', `${http}/v2/models/nope/ready`], { encoding: 'utf8' })).toMatch(/unknown model \\"nope\\".* 404$/);
  }, 120_000);

  it('answers bad HTTP requests with the protocol errors and keeps serving', async () => {
    const s = served[0]!;
    const post = async (body: string | Buffer, headers: Record<string, string> = {}) => {
      const r = await fetch(`${http}/v2/models/${s.name}/infer`, { method: 'POST', body, headers });
      return { status: r.status, body: (await r.json()) as { error?: string } };
    };
    expect(await post('{"inputs": [')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/not valid JSON/) } });
    expect(await post(JSON.stringify({ inputs: [{ name: s.input, shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }))).toMatchObject({ status: 400, body: { error: expect.stringMatching(/shape \[1, 3\] does not match/) } });
    expect(await post(JSON.stringify({ inputs: [{ name: s.input, shape: s.shape, datatype: 'FP32', data: [1] }] }))).toMatchObject({ status: 400, body: { error: expect.stringMatching(/1 values given/) } });
    expect(await post(JSON.stringify({ inputs: [{ name: s.input, shape: s.shape, datatype: 'INT8', data: Array(s.x.length).fill(300) }] }))).toMatchObject({ status: 400, body: { error: expect.stringMatching(/is not a INT8/) } });
    expect(await post(JSON.stringify({ inputs: [{ name: s.input, shape: s.shape, datatype: 'FP32', data: Array.from(s.x) }], outputs: [{ name: 'nope' }] }))).toMatchObject({ status: 400, body: { error: expect.stringMatching(/no output "nope"/) } });
    const big = Buffer.alloc(5 * 1024 * 1024, 32);
    expect(await post(big)).toMatchObject({ status: 413, body: { error: expect.stringMatching(/over the limit/) } });
    const r404 = await fetch(`${http}/v2/models/nope/infer`, { method: 'POST', body: '{}' });
    expect(r404.status).toBe(404);
    // Non-finite inputs are answered (the firmware's conversion of the value) and counted.
    const inf = Array.from(s.x);
    inf[0] = Infinity;
    inf[1] = NaN;
    const rInf = await fetch(`${http}/v2/models/${s.name}/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: s.input, shape: s.shape, datatype: 'FP32', data: inf.map((v) => (Number.isFinite(v) ? v : String(v))) }] }) });
    expect(rInf.status).toBe(200);
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/fastml_nonfinite_input_values_total\{model="mlp",protocol="http"\} 2/);
    expect(metrics).toMatch(/fastml_request_failures_total\{model="mlp",protocol="http",reason="invalid"\} \d+/);
    expect(metrics).toMatch(/fastml_batch_size_bucket\{model="mlp",le="1"\} \d+/);
  }, 60_000);

  it('survives truncated bodies, mid-request disconnects and a 10 000-request burst of bad inputs, answering good requests correctly throughout with bounded memory', async () => {
    const s = served[0]!;
    const { hostname, port } = new URL(http);
    const rawRequest = (text: string, closeAfterMs: number) =>
      new Promise<void>((resolve) => {
        const sock = net.connect(Number(port), hostname, () => {
          sock.write(text);
          setTimeout(() => {
            sock.destroy();
            resolve();
          }, closeAfterMs);
        });
        sock.on('error', () => resolve());
      });
    const good = JSON.stringify({ inputs: [{ name: s.input, shape: s.shape, datatype: 'FP32', data: Array.from(s.x) }] });
    // Truncated: Content-Length larger than what is sent, then the client goes away.
    await rawRequest(`POST /v2/models/${s.name}/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${good.length}\r\n\r\n${good.slice(0, 50)}`, 50);
    // Disconnect after sending a whole request, before reading the answer.
    await rawRequest(`POST /v2/models/${s.name}/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${good.length}\r\n\r\n${good}`, 0);
    // Not HTTP at all.
    await rawRequest('\x00\x01garbage\r\n\r\n', 50);

    const before = rss(server.pid!);
    const bad = JSON.stringify({ inputs: [{ name: s.input, shape: [1, 2], datatype: 'FP32', data: [1, 2] }] });
    let badOk = 0;
    let goodOk = 0;
    const total = 10_000;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        if (i % 100 === 0) {
          const r = (await (await fetch(`${http}/v2/models/${s.name}/infer`, { method: 'POST', body: good })).json()) as { outputs: Array<{ data: number[] }> };
          if (JSON.stringify(r.outputs[0]!.data) === JSON.stringify(Array.from(s.y))) goodOk++;
        } else {
          const r = await fetch(`${http}/v2/models/${s.name}/infer`, { method: 'POST', body: bad });
          await r.arrayBuffer();
          if (r.status === 400) badOk++;
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(goodOk).toBe(total / 100);
    expect(badOk).toBe(total - total / 100);
    const after = rss(server.pid!);
    expect(after - before, `RSS ${before} -> ${after}`).toBeLessThan(150 * 1024 * 1024);
    expect(server.exitCode).toBe(null);
    expect(stderr).toMatch(/http POST \/v2\/models\/mlp\/infer 400 input/); // a log line per failure
  }, 300_000);

  it('gathers concurrent requests into batches, and answers requests in flight after SIGTERM', async () => {
    const s = served[1]!; // the CNN
    const one = (k: number) => {
      const size = s.x.length / N;
      return fetch(`${http}/v2/models/${s.name}/infer`, { method: 'POST', body: JSON.stringify({ id: String(k), inputs: [{ name: s.input, shape: [1, ...s.shape.slice(1)], datatype: 'FP32', data: Array.from(s.x.subarray(k * size, (k + 1) * size)) }] }) });
    };
    const answers = await Promise.all(Array.from({ length: N }, (_, k) => one(k).then((r) => r.json() as Promise<{ id: string; outputs: Array<{ data: number[] }> }>)));
    const outSize = s.y.length / N;
    answers.forEach((a, k) => {
      expect(a.id).toBe(String(k));
      expect(a.outputs[0]!.data).toEqual(Array.from(s.y.subarray(k * outSize, (k + 1) * outSize)));
    });
    const metrics = await (await fetch(`${http}/metrics`)).text();
    const count = Number(/fastml_batch_size_count\{model="cnn"\} (\d+)/.exec(metrics)![1]);
    const samples = Number(/fastml_inferences_total\{model="cnn"\} (\d+)/.exec(metrics)![1]);
    expect(count).toBeLessThan(samples); // some requests shared a batch

    // In flight, then SIGTERM: every request is answered, then the process exits 0.
    const inflight = Array.from({ length: 8 }, (_, k) => one(k % N).then((r) => r.status));
    await new Promise((r) => setTimeout(r, 5));
    server.kill('SIGTERM');
    const statuses = await Promise.all(inflight);
    expect(statuses.every((c) => c === 200)).toBe(true);
    const code = await new Promise<number | null>((resolve) => (server.exitCode !== null ? resolve(server.exitCode) : server.on('exit', (c) => resolve(c))));
    expect(code).toBe(0);
  }, 120_000);
});
