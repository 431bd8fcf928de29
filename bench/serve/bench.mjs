/**
 * @fileoverview Load test of `fastml serve` (run by hand: `npm run build && node bench/serve/bench.mjs`):
 * the jet tagger served on the loopback address, 64 concurrent clients x 1 000 requests of batch 1,
 * over HTTP (JSON, keep-alive) and gRPC (@grpc/grpc-js client, typed contents), with dynamic batching
 * (--max-batch 64) and without (--max-batch 1). Every answer is checked against the emulator run
 * in-process on the same inputs; the run fails on any wrong answer or failed request. Prints
 * throughput and p50/p99 latency per configuration, and the machine's load average.
 *
 * Options: --clients N (64), --requests N (1000 per client), --model FILE (models/jet_tagger.onnx),
 * --runs R (1): each configuration R times, medians printed.
 */

import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const CLIENTS = Number(arg('clients', 64));
const REQUESTS = Number(arg('requests', 1000));
const MODEL = path.resolve(arg('model', path.join(root, 'models/jet_tagger.onnx')));
const RUNS = Number(arg('runs', 1));
const dist = (p) => import(path.join(root, 'dist', p));

async function reference() {
  const { loadSession } = await dist('emulator/session.js');
  const { compileEmulator, prepareInputs, runBatch } = await dist('emulator/index.js');
  const s = await loadSession(MODEL);
  const g = s.graph;
  const inName = g.inputs[0];
  const size = g.tensors.get(inName).shape.reduce((a, b) => a * b, 1);
  const n = 256;
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 8 - 4;
  const x = Float64Array.from({ length: n * size }, () => Math.fround(rnd()));
  const { data } = prepareInputs(g, { [inName]: { data: x, n } });
  const emu = compileEmulator(g);
  const out = runBatch(emu, n, data).outputs[g.outputs[0]];
  const outSize = out.length / n;
  return { inName, size, n, x, y: out, outSize };
}

function startServer(maxBatch) {
  const p = spawn(process.execPath, [path.join(root, 'bin/fastml.js'), 'serve', `${MODEL}=m`, '--http', '0', '--grpc', '0', '--max-batch', String(maxBatch)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = /HTTP http:\/\/([0-9.]+):(\d+), gRPC ([0-9.]+:\d+)/.exec(out);
      if (m) resolve({ p, host: m[1], port: Number(m[2]), grpc: m[3] });
    });
    p.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function runHttp(srv, ref) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const post = (body) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: srv.host, port: srv.port, path: '/v2/models/m/infer', method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(body);
    });
  return load(async (k) => {
    const r = await post(JSON.stringify({ inputs: [{ name: ref.inName, shape: [1, ref.size], datatype: 'FP32', data: Array.from(ref.x.subarray(k * ref.size, (k + 1) * ref.size)) }] }));
    if (r.status !== 200) return false;
    return JSON.parse(r.body).outputs[0].data;
  }, ref).finally(() => agent.destroy());
}

async function runGrpc(srv, ref) {
  const grpc = await import('@grpc/grpc-js');
  const loader = await import('@grpc/proto-loader');
  const def = loader.loadSync(path.join(root, 'proto/grpc_predict_v2.proto'), { keepCase: false, longs: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def);
  const client = new pkg.inference.GRPCInferenceService(srv.grpc, grpc.credentials.createInsecure());
  const infer = (req) => new Promise((resolve, reject) => client.ModelInfer(req, (e, r) => (e ? reject(e) : resolve(r))));
  try {
    return await load(async (k) => {
      const r = await infer({ modelName: 'm', inputs: [{ name: ref.inName, datatype: 'FP32', shape: [1, ref.size], contents: { fp32Contents: Array.from(ref.x.subarray(k * ref.size, (k + 1) * ref.size)) } }] });
      const o = r.outputs[0];
      return o.datatype === 'FP32' ? o.contents.fp32Contents : o.contents.fp64Contents;
    }, ref);
  } finally {
    client.close();
  }
}

async function load(call, ref) {
  const lat = [];
  let failures = 0;
  let wrong = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; i < REQUESTS; i++) {
        const k = (c * REQUESTS + i) % ref.n;
        const t = performance.now();
        let got;
        try {
          got = await call(k);
        } catch {
          got = false;
        }
        lat.push(performance.now() - t);
        if (got === false) failures++;
        else {
          const want = ref.y.subarray(k * ref.outSize, (k + 1) * ref.outSize);
          if (got.length !== want.length || got.some((v, j) => v !== want[j])) wrong++;
        }
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  return { requests: lat.length, seconds: s, rps: lat.length / s, p50: pct(lat, 0.5), p99: pct(lat, 0.99), failures, wrong };
}

const ref = await reference();
// Same-run reference: the emulator called in-process one sample at a time (no protocol, no batching),
// for as many samples as the load test sends.
const inProcess = await (async () => {
  const { loadSession } = await dist('emulator/session.js');
  const { compileEmulator, prepareInputs } = await dist('emulator/index.js');
  const g = (await loadSession(MODEL)).graph;
  const emu = compileEmulator(g);
  const { data } = prepareInputs(g, { [ref.inName]: { data: ref.x, n: ref.n } });
  const total = CLIENTS * REQUESTS;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const k = i % ref.n;
    emu.runSample([data[0].subarray(k * ref.size, (k + 1) * ref.size)]);
  }
  return total / ((performance.now() - t0) / 1000);
})();
console.log(`reference: the emulator in-process, one sample per call: ${Math.round(inProcess)} samples/s`);
const rows = [];
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
for (const maxBatch of [1, 64]) {
  for (const proto of ['http', 'grpc']) {
    const runs = [];
    for (let k = 0; k < RUNS; k++) {
      const srv = await startServer(maxBatch);
      runs.push(proto === 'http' ? await runHttp(srv, ref) : await runGrpc(srv, ref));
      srv.p.kill('SIGTERM');
      await new Promise((res) => srv.p.on('exit', res));
    }
    const r = {
      requests: runs[0].requests,
      rps: med(runs.map((x) => x.rps)),
      p50: med(runs.map((x) => x.p50)),
      p99: med(runs.map((x) => x.p99)),
      failures: runs.reduce((a, x) => a + x.failures, 0),
      wrong: runs.reduce((a, x) => a + x.wrong, 0),
    };
    rows.push({ proto, maxBatch, ...r });
    console.log(`${proto.padEnd(4)}  max-batch ${String(maxBatch).padStart(2)}: ${r.requests} requests x ${RUNS} runs, median ${Math.round(r.rps)} req/s (${(r.rps / inProcess).toFixed(3)}x in-process), p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.failures} failures, ${r.wrong} wrong answers`);
  }
}
console.log(`${CLIENTS} clients x ${REQUESTS} requests of batch 1, ${path.basename(MODEL)}; load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}; ${os.cpus().length} cores`);
if (rows.some((r) => r.failures || r.wrong)) process.exit(1);
