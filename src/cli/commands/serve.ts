/**
 * @fileoverview `fastml serve MODEL[=NAME] ... [--http PORT] [--grpc PORT]`: the bit-accurate firmware of
 * each model behind the KServe v2 / Triton inference protocol (HTTP/REST and gRPC), with dynamic
 * batching and Prometheus metrics; see docs/serve.md. The server lives in src/serve/.
 */

import path from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { resolvePath } from '../context.js';
import { DiagnosticError, EXIT, diag } from '../../diagnostics/diagnostic.js';

interface ServeFlags {
  config?: string[];
  weights?: string[];
  http: string;
  grpc: string;
  host: string;
  maxBatch: string;
  batchDelayUs: string;
  workers?: string;
  maxRequestMb: string;
}

const usage = (msg: string, hint?: string): never => {
  throw new DiagnosticError([diag('FML9201', msg, undefined, hint)], EXIT.USAGE);
};

function int(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) usage(`${flag}: "${v}" is not an integer >= ${min}`);
  return n;
}

function port(flag: string, v: string): number | undefined {
  if (v === 'off') return undefined;
  const n = int(flag, v, 0);
  if (n > 65535) usage(`${flag}: ${n} is not a port (0-65535, 0 for any free port, or off)`);
  return n;
}

/** `--config cfg.yml` (in model order) or `--config NAME=cfg.yml`; likewise --weights. */
function perModel(flag: string, values: readonly string[] | undefined, names: readonly string[]): Array<string | undefined> {
  const out: Array<string | undefined> = names.map(() => undefined);
  const positional: string[] = [];
  for (const v of values ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(v);
    if (m && names.includes(m[1]!)) out[names.indexOf(m[1]!)] = m[2]!;
    else positional.push(v);
  }
  if (positional.length > names.filter((_, i) => out[i] === undefined).length)
    usage(`${flag}: ${positional.length} files for ${names.length} model(s)`, `give one per model in order, or NAME=FILE (models: ${names.join(', ')})`);
  let k = 0;
  for (let i = 0; i < names.length && k < positional.length; i++) if (out[i] === undefined) out[i] = positional[k++];
  return out;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('serve')
    .description('serve models bit-accurately over the KServe v2 / Triton inference protocol (HTTP/REST and gRPC), with dynamic batching and /metrics (see docs/serve.md)')
    .argument('<models...>', 'model files, each optionally MODEL=NAME (default name: the file name without extension)')
    .option('-c, --config <files...>', 'hls4ml configuration per model: in model order, or NAME=FILE')
    .option('-w, --weights <files...>', 'weights for Keras .json models: in model order, or NAME=FILE')
    .option('--http <port>', 'HTTP/REST port (0: any free port; off: no HTTP)', '8000')
    .option('--grpc <port>', 'gRPC port (0: any free port; off: no gRPC)', '8001')
    .option('--host <address>', 'address to listen on (default: loopback only)', '127.0.0.1')
    .option('--max-batch <n>', 'most samples gathered into one emulator batch (1: no dynamic batching)', '64')
    .option('--batch-delay-us <t>', 'how long the first request of a batch waits for others, in microseconds (0: only requests already queued join)', '0')
    .option('--workers <n>', 'emulator threads for large batches (default: one per core; 1: main thread only)')
    .option('--max-request-mb <m>', 'largest request body / message accepted, in MiB', '64')
    .action(async (modelArgs: string[], f: ServeFlags) => {
      const specs = await Promise.all(
        modelArgs.map(async (a) => {
          const m = /^(.*\.(?:onnx|h5|hdf5|json|keras))=([A-Za-z0-9_.-]+)$/i.exec(a);
          const file = await resolvePath(ctx, m ? m[1]! : a);
          return { file, name: m ? m[2]! : path.basename(file).replace(/\.[^.]*$/, '') };
        }),
      );
      const names = specs.map((s) => s.name);
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup) usage(`two models are named "${dup}"`, 'name them with MODEL=NAME');
      const configs = perModel('--config', f.config, names);
      const weights = perModel('--weights', f.weights, names);
      const httpPort = port('--http', f.http);
      const grpcPort = port('--grpc', f.grpc);
      if (httpPort === undefined && grpcPort === undefined) usage('--http off and --grpc off: nothing to serve on');
      const os = await import('node:os');
      const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
      const { startServer } = await import('../../serve/server.js');
      const { version } = await import('../main.js');
      const models = await Promise.all(
        specs.map(async (s, i) => ({
          ...s,
          ...(configs[i] ? { config: await resolvePath(ctx, configs[i]!) } : {}),
          ...(weights[i] ? { weights: await resolvePath(ctx, weights[i]!) } : {}),
        })),
      );
      const srv = await startServer(
        {
          models,
          host: f.host,
          ...(httpPort !== undefined ? { httpPort } : {}),
          ...(grpcPort !== undefined ? { grpcPort } : {}),
          batching: {
            maxBatch: int('--max-batch', f.maxBatch, 1),
            delayUs: int('--batch-delay-us', f.batchDelayUs, 0),
            workers: f.workers !== undefined ? int('--workers', f.workers, 1) : cores,
            poolMinBatch: 256,
          },
          maxRequestBytes: int('--max-request-mb', f.maxRequestMb, 1) * 1024 * 1024,
          version: version(),
          quiet: Boolean(ctx.quiet?.()),
        },
        ctx.io,
      );
      for (const m of srv.registry.list())
        ctx.io.out(`model ${m.name}: ${m.inputs.map((t) => `${t.name} [-1, ${t.shape.join(', ')}]`).join(', ')} -> ${m.outputs.map((t) => `${t.name} ${t.datatype} [-1, ${t.shape.join(', ')}]`).join(', ')} (bit-accurate emulation of ${path.basename(m.file)})\n`);
      ctx.io.out(`fastml serve: HTTP ${srv.httpPort !== undefined ? `http://${f.host}:${srv.httpPort}` : 'off'}, gRPC ${srv.grpcPort !== undefined ? `${f.host}:${srv.grpcPort}` : 'off'} (KServe v2 protocol); SIGTERM or Ctrl-C stops after answering requests in flight\n`);
      await new Promise<void>((resolve) => {
        const onSignal = (sig: string): void => {
          ctx.io.err(`${sig}: stopping (answering requests in flight)\n`);
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          void srv.stop().then(resolve);
        };
        const onTerm = (): void => onSignal('SIGTERM');
        const onInt = (): void => onSignal('SIGINT');
        process.on('SIGTERM', onTerm);
        process.on('SIGINT', onInt);
      });
      ctx.io.out('fastml serve: stopped\n');
    });
}
