/**
 * @fileoverview `fastml sweep --executor slurm` on a real Slurm: Debian's slurm-wlm and munge (installed
 * with apt-get when absent; .ci/run installs them first), a one-node cluster (slurmctld + slurmd on
 * localhost, munged with its own socket and key, every file in a temporary folder, free ports), a job
 * array run with a stand-in vendor command, `--wait`, `sweep status` (squeue), `sweep collect`, and the
 * results checked against the stand-in's figures and the manifest. The cluster is stopped at the end.
 * Skipped, saying why, only when the test cannot run as root (it must start daemons as root).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIO } from '../../src/cli/io.js';
import { standinFigures, writeStandin } from '../helpers/hls-standin.js';

const root = process.cwd();
const jet = path.join(root, 'models/jet_tagger.onnx');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) console.warn('sweep-slurm: skipped: starting a Slurm cluster needs root (run the tests as root, as CI does)');

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function pluginDir(): string {
  for (const d of ['/usr/lib/x86_64-linux-gnu/slurm-wlm', '/usr/lib/aarch64-linux-gnu/slurm-wlm', '/usr/lib/slurm', '/usr/lib64/slurm'])
    if (existsSync(path.join(d, 'select_cons_tres.so'))) return d;
  throw new Error('no Slurm plugin folder found');
}

describe.runIf(isRoot)('fastml sweep on a real Slurm cluster', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fml-slurm-'));
  const cl = path.join(tmp, 'cluster');
  const conf = path.join(cl, 'slurm.conf');
  const pidFiles = ['slurmd.pid', 'slurmctld.pid', 'munge/pid'].map((f) => path.join(cl, f));

  beforeAll(async () => {
    if (!has('slurmctld') || !has('munged') || !has('sbatch')) {
      execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 slurm-wlm munge'], { stdio: 'ignore', timeout: 600_000 });
    }
    for (const d of ['munge', 'spool', 'state', 'log']) mkdirSync(path.join(cl, d), { recursive: true });
    chmodSync(path.join(cl, 'munge'), 0o700);
    // A key of our own (munged wants it private to the user running it).
    const key = path.join(cl, 'munge/key');
    if (existsSync('/etc/munge/munge.key')) copyFileSync('/etc/munge/munge.key', key);
    else writeFileSync(key, Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 97 + 13) & 0xff)));
    chmodSync(key, 0o600);
    const sock = path.join(cl, 'munge/sock');
    execFileSync('/usr/sbin/munged', ['--force', `--socket=${sock}`, `--key-file=${key}`, `--pid-file=${path.join(cl, 'munge/pid')}`, `--log-file=${path.join(cl, 'munge/log')}`, `--seed-file=${path.join(cl, 'munge/seed')}`]);
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    writeFileSync(
      conf,
      [
        'ClusterName=fastmltest',
        'SlurmctldHost=localhost',
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        'AuthType=auth/munge',
        `AuthInfo=socket=${sock}`,
        'CredType=cred/munge',
        `StateSaveLocation=${path.join(cl, 'state')}`,
        `SlurmdSpoolDir=${path.join(cl, 'spool')}`,
        `SlurmctldPidFile=${path.join(cl, 'slurmctld.pid')}`,
        `SlurmdPidFile=${path.join(cl, 'slurmd.pid')}`,
        `SlurmctldLogFile=${path.join(cl, 'log/slurmctld.log')}`,
        `SlurmdLogFile=${path.join(cl, 'log/slurmd.log')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'SchedulerType=sched/builtin',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'ReturnToService=2',
        'MpiDefault=none',
        'SwitchType=switch/none',
        `PluginDir=${pluginDir()}`,
        `NodeName=fastmlnode NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=${Math.max(1, os.cpus().length)} RealMemory=1000 State=UNKNOWN`,
        'PartitionName=test Nodes=fastmlnode Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    process.env.SLURM_CONF = conf;
    execFileSync('/usr/sbin/slurmctld', ['-i'], { env: process.env });
    execFileSync('/usr/sbin/slurmd', ['-N', 'fastmlnode'], { env: process.env });
    // Wait until the node is idle.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', env: process.env });
      if (r.status === 0 && /idle/.test(r.stdout)) break;
      if (Date.now() > deadline) throw new Error(`the test cluster did not come up:\n${r.stdout}${r.stderr}\n${readFileSync(path.join(cl, 'log/slurmctld.log'), 'utf8').slice(-2000)}`);
      await new Promise((res) => setTimeout(res, 500));
    }
  }, 900_000);

  afterAll(async () => {
    for (const f of pidFiles) {
      try {
        process.kill(Number(readFileSync(f, 'utf8').trim()), 'SIGTERM');
      } catch {
        // already gone
      }
    }
    delete process.env.SLURM_CONF;
    await new Promise((res) => setTimeout(res, 500));
  });

  it('runs a job array of stand-in syntheses, waits for it, and collects every point', async () => {
    if (!existsSync(path.join(root, 'dist/cli/main.js'))) throw new Error('build first (npm run build): the array tasks run bin/fastml.js');
    const hls = writeStandin(tmp);
    const io = memoryIO(tmp);
    const code = await main(['sweep', jet, '--grid', 'reuse=1,2,4,8,16', 'strategy=resource', '--out', 'sw', '--executor', 'slurm', '--hls-cmd', hls, '--max-running', '2', '--time', '10:00', '--wait'], io);
    expect(io.stderr).toBe('');
    expect(code).toBe(0);
    const jobId = /Submitted Slurm job array (\d+)/.exec(io.stdout)?.[1];
    expect(jobId).toBeDefined();
    expect(io.stdout).toContain(`Job ${jobId} finished: 5 points done, 0 failed`);
    const script = readFileSync(path.join(tmp, 'sw/slurm/sweep.sbatch'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-4%2');
    // Each task ran under Slurm: its log is the array task's.
    for (let i = 0; i < 5; i++) expect(readFileSync(path.join(tmp, `sw/logs/slurm-${jobId}_${i}.out`), 'utf8')).toMatch(/done/);

    const st = memoryIO(tmp);
    expect(await main(['sweep', 'status', 'sw', '--json'], st)).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status.submission.jobId).toBe(jobId);
    expect(status.points.map((p: { state: string }) => p.state)).toEqual(['done', 'done', 'done', 'done', 'done']);

    const col = memoryIO(tmp);
    expect(await main(['sweep', 'collect', 'sw'], col)).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(tmp, 'sw/sweep.json'), 'utf8'));
    const results = JSON.parse(readFileSync(path.join(tmp, 'sw/results.json'), 'utf8'));
    expect(results.rows).toHaveLength(5);
    for (const r of results.rows) {
      const p = manifest.points.find((q: { name: string }) => q.name === r.name);
      expect(r.settings).toEqual({ strategy: 'resource', reuse: p.reuse });
      expect(r.synth).toEqual(standinFigures(p.reuse));
      expect(r.estimate.dsp).toBe(p.estimate.total.dsp);
      expect(r.report.tool).toBe('Vivado HLS');
    }
    const csv = readFileSync(path.join(tmp, 'sw/results.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(6);
    expect(csv[0]).toContain('syn_latency_cycles');
  }, 300_000);
});
