/**
 * @fileoverview `fastml serve`, start to stop: load every model (the compile pipeline), start the HTTP and
 * gRPC front ends on the loopback address unless told otherwise, and on SIGTERM or SIGINT stop
 * taking requests, answer the ones in flight, and close.
 */

import type http from 'node:http';
import type * as grpc from '@grpc/grpc-js';
import type { CliIO } from '../cli/io.js';
import { createHttpServer } from './http.js';
import { bindGrpc, createGrpcServer } from './grpc.js';
import { ServedModel, type BatchingOptions } from './model.js';
import { Registry } from './registry.js';

export interface ServeOptions {
  readonly models: Array<{ file: string; name: string; config?: string; weights?: string }>;
  readonly host: string;
  /** undefined: that protocol is off; 0: any free port. */
  readonly httpPort?: number;
  readonly grpcPort?: number;
  readonly batching: BatchingOptions;
  readonly maxRequestBytes: number;
  readonly version: string;
  /** Global --quiet: the models' info notes are not printed. */
  readonly quiet?: boolean;
}

export interface RunningServer {
  readonly registry: Registry;
  readonly httpPort?: number;
  readonly grpcPort?: number;
  /** Graceful stop: no new requests, in-flight ones answered, then closed. */
  stop(): Promise<void>;
}

export async function startServer(o: ServeOptions, io: CliIO): Promise<RunningServer> {
  const reg = new Registry(o.version);
  for (const m of o.models) reg.add(await ServedModel.load(m.file, m.name, m, o.batching, reg.metrics, io, { quiet: Boolean(o.quiet) }));
  const log = (line: string): void => io.err(`${new Date().toISOString()} ${line}\n`);

  let httpServer: http.Server | undefined;
  let httpPort: number | undefined;
  if (o.httpPort !== undefined) {
    httpServer = createHttpServer(reg, o.maxRequestBytes, log);
    httpServer.on('clientError', (err, socket) => {
      reg.metrics.failures.inc({ model: '-', protocol: 'http', reason: 'malformed' });
      log(`http malformed request: ${(err as Error).message}`);
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":"malformed HTTP request"}');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      httpServer!.once('error', reject);
      httpServer!.listen(o.httpPort, o.host, () => resolve());
    });
    httpPort = (httpServer.address() as { port: number }).port;
  }
  let grpcServer: grpc.Server | undefined;
  let grpcPort: number | undefined;
  if (o.grpcPort !== undefined) {
    grpcServer = createGrpcServer(reg, o.maxRequestBytes, log);
    grpcPort = await bindGrpc(grpcServer, o.host, o.grpcPort);
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const closed = httpServer ? new Promise<void>((r) => httpServer!.close(() => r())) : Promise.resolve();
      await reg.drain();
      httpServer?.closeAllConnections();
      if (grpcServer) await new Promise<void>((r) => grpcServer!.tryShutdown(() => r()));
      await closed;
      for (const m of reg.list()) await m.close();
    })());
  return { registry: reg, ...(httpPort !== undefined ? { httpPort } : {}), ...(grpcPort !== undefined ? { grpcPort } : {}), stop };
}
