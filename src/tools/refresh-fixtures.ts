/**
 * @fileoverview `npm run fixtures`: refreshes test/fixtures from the shared folder (../shared beside
 * the project, or FASTML_SHARED_DIR), so that the tests of a fresh clone have every file they read.
 *
 * What is copied: models/, reference/hls4ml/, truth/ and NUMERICS.md as they are, and the ap_fixed
 * golden vectors with every *.jsonl gzip-compressed (the readers take .jsonl and .jsonl.gz). The
 * shared READMEs, which give each file's provenance and licence, come along. Files that the shared
 * folder no longer has are removed from the copied folders; test/fixtures/README.md and anything
 * else the project adds beside the copied folders is left alone.
 */

import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The folders and files copied as they are, relative to the shared folder. */
const COPIED = ['models', 'reference/hls4ml', 'truth', 'NUMERICS.md'];
const GOLDEN = 'golden/ap_fixed';

function main(): number {
  const shared = process.env.FASTML_SHARED_DIR
    ? path.resolve(process.env.FASTML_SHARED_DIR)
    : path.resolve(projectRoot, '../shared');
  if (!existsSync(shared) || !statSync(shared).isDirectory()) {
    process.stderr.write(`fixtures: no shared folder at ${shared} (set FASTML_SHARED_DIR); test/fixtures left as it is\n`);
    return 2;
  }
  const dest = path.join(projectRoot, 'test', 'fixtures');
  mkdirSync(dest, { recursive: true });
  let files = 0;
  for (const rel of COPIED) {
    const from = path.join(shared, rel);
    if (!existsSync(from)) {
      process.stderr.write(`fixtures: ${from} is missing; skipped\n`);
      continue;
    }
    const to = path.join(dest, rel);
    rmSync(to, { recursive: true, force: true });
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(from, to, { recursive: true });
    files += countFiles(to);
  }
  const goldenFrom = path.join(shared, GOLDEN);
  if (existsSync(goldenFrom)) {
    const goldenTo = path.join(dest, GOLDEN);
    rmSync(goldenTo, { recursive: true, force: true });
    mkdirSync(goldenTo, { recursive: true });
    for (const f of readdirSync(goldenFrom).sort()) {
      const data = readFileSync(path.join(goldenFrom, f));
      if (f.endsWith('.jsonl')) writeFileSync(path.join(goldenTo, `${f}.gz`), gzipSync(data, { level: 9 }));
      else writeFileSync(path.join(goldenTo, f), data);
      files++;
    }
  }
  // Shared folder's own index (provenance of each folder).
  if (existsSync(path.join(shared, 'README.md'))) {
    cpSync(path.join(shared, 'README.md'), path.join(dest, 'SHARED_README.md'));
    files++;
  }
  process.stdout.write(`fixtures: ${files} files from ${shared} into ${path.relative(projectRoot, dest)}\n`);
  return 0;
}

function countFiles(p: string): number {
  if (!statSync(p).isDirectory()) return 1;
  return readdirSync(p).reduce((n, f) => n + countFiles(path.join(p, f)), 0);
}

process.exitCode = main();
