// The real-dataset workflow in child processes on a tiny synthetic dataset written to disk: sharded
// extraction (three concurrent shards give byte-identical features to one process; a SIGKILLed run
// completes on rerun), failure records and --status, train/eval remembering their config (k-fold,
// seeds, --json, conflicting flags), and a `train` killed with SIGKILL mid-epoch resuming to
// bit-identical final numbers. Small shapes: seconds per case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDataset } from '../../src/data/synthetic/write-dataset.js';

const ROOT = join(__dirname, '../..');
const MAIN = join(ROOT, 'src/cli/main.ts');
const ARGS = ['--import', 'tsx', MAIN];
const EXTRACT = ['--clip-size', '16'];
let base = '';
let manifest = '';

function cli(args: string[], timeout = 120_000) {
  const r = spawnSync(process.execPath, [...ARGS, ...args], { encoding: 'utf8', timeout, cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs the CLI in the background; resolves with its exit code or signal. */
function start(args: string[], onStdout?: (text: string, kill: () => void) => void) {
  const child = spawn(process.execPath, [...ARGS, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    onStdout?.(out, () => child.kill('SIGKILL'));
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, out, err })),
  );
}

/** Every file of a folder (recursively, temp files excluded) with its bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (n.isDirectory()) walk(join(d, n.name), `${rel}${n.name}/`);
      else out.set(`${rel}${n.name}`, readFileSync(join(d, n.name)));
    }
  };
  walk(dir, '');
  return out;
}

const tmp = () => mkdtempSync(join(base, 'x-'));

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'plm-ipe-dataset-run-'));
  const ds = await writeDataset(join(base, 'data'), {
    seed: 3,
    subjects: 6,
    sessionsPerSubject: 1,
    outfitsPerSession: 3,
    size: 48,
    fps: 8,
    minSeconds: 1.2,
    maxSeconds: 1.5,
    format: 'png',
  });
  manifest = ds.manifest;
}, 60_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('sharded extraction', () => {
  it('three concurrent shard processes give byte-identical features to one process', async () => {
    const single = tmp();
    expect(cli(['extract', manifest, '--out', single, ...EXTRACT]).code).toBe(0);
    const shared = tmp();
    const shards = await Promise.all(
      [0, 1, 2].map((i) => start(['extract', manifest, '--out', shared, ...EXTRACT, '--shard', `${i}/3`])),
    );
    for (const s of shards) expect(s.code, s.err).toBe(0);
    expect(shards.map((s) => /shard \d\/3: (\d+) videos/.exec(s.out)?.[1])).toEqual(['6', '6', '6']);
    const a = snapshot(join(single, 'cache'));
    const b = snapshot(join(shared, 'cache'));
    expect(a.size).toBe(18);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, v] of a) expect(b.get(k)!.equals(v), k).toBe(true);
    expect(readFileSync(join(shared, 'extract.json'), 'utf8')).toBe(readFileSync(join(single, 'extract.json'), 'utf8'));
    const status = cli(['extract', '--status', '--out', shared]);
    expect(status.code).toBe(0);
    expect(status.out).toContain('18 videos: 18 done, 0 failed, 0 missing');
  }, 120_000);

  it('--workers runs the shards itself; shard indices come from Slurm or Kubernetes when asked', async () => {
    const dir = tmp();
    const r = cli(['extract', manifest, '--out', dir, ...EXTRACT, '--workers', '2']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('workers: 2 of 2 shards finished cleanly');
    expect(r.out).toContain('18 videos: 18 done, 0 failed, 0 missing');
    const slurm = spawnSync(
      process.execPath,
      [...ARGS, 'extract', manifest, '--out', tmp(), ...EXTRACT, '--shard', 'env'],
      {
        encoding: 'utf8',
        cwd: ROOT,
        env: { ...process.env, SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' },
      },
    );
    expect(slurm.stdout).toContain('shard 2/3: 6 videos');
    const k8s = spawnSync(
      process.execPath,
      [...ARGS, 'extract', manifest, '--out', tmp(), ...EXTRACT, '--shard', 'env'],
      { encoding: 'utf8', cwd: ROOT, env: { ...process.env, JOB_COMPLETION_INDEX: '0' } },
    );
    expect(k8s.status).toBe(1);
    expect(k8s.stderr).toContain("use '--shard env/N' with N the Job's completions");
    expect(cli(['extract', manifest, '--out', tmp(), '--shard', '3/3']).err).toContain(
      '--shard: index 3 is not below the shard count 3 (indices are 0-based)',
    );
  }, 120_000);

  it('a SIGKILLed shard leaves no partial entry, and its rerun completes its share to the same bytes', async () => {
    const reference = tmp();
    expect(cli(['extract', manifest, '--out', reference, ...EXTRACT]).code).toBe(0);
    const dir = tmp();
    const cacheDir = join(dir, 'cache');
    const shard = (i: number) => ['extract', manifest, '--out', dir, ...EXTRACT, '--shard', `${i}/2`];
    // Kill shard 0 of 2 as soon as its first finished entry appears.
    const child = spawn(process.execPath, [...ARGS, ...shard(0)], { cwd: ROOT, stdio: 'ignore' });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(cacheDir) && readdirSync(cacheDir).some((n) => n.endsWith('.safetensors'))) {
          child.kill('SIGKILL');
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    await new Promise((resolve) => child.on('close', resolve));
    const done = readdirSync(cacheDir).filter((n) => n.endsWith('.safetensors')).length;
    expect(done).toBeLessThan(9); // really interrupted (its share is 9 videos)
    // Every entry on disk is complete: decodable, and equal to the reference's.
    const ref = snapshot(join(reference, 'cache'));
    for (const [k, v] of snapshot(cacheDir))
      if (k.endsWith('.safetensors')) expect(v.equals(ref.get(k)!), k).toBe(true);
    const rerun = cli(shard(0));
    expect(rerun.code, rerun.err).toBe(0);
    const m = /(\d+) computed, (\d+) from the cache/.exec(rerun.out)!;
    expect(Number(m[2])).toBe(done); // finished videos are not redone
    expect(Number(m[1]) + Number(m[2])).toBe(9);
    expect(cli(shard(1)).code).toBe(0);
    const all = snapshot(cacheDir);
    expect([...all.keys()].filter((k) => k.endsWith('.safetensors')).sort()).toEqual([...ref.keys()].sort());
    for (const [k, v] of ref) expect(all.get(k)!.equals(v), k).toBe(true);
  }, 120_000);
});

describe('extraction failures', () => {
  it('records a failing video with its reason, goes on, summarises; a rerun retries only it; --strict stops', () => {
    const bad = join(base, 'data', 'bad.jsonl');
    copyFileSync(manifest, bad);
    appendFileSync(
      bad,
      `${JSON.stringify({ id: 'broken', video: 'videos/missing', subject: 's009', session: 's009-1', score: 50, landmarks: 'landmarks/missing.json' })}\n`,
    );
    const dir = tmp();
    const r = cli(['extract', bad, '--out', dir, ...EXTRACT]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('18 videos into');
    expect(r.out).toContain('1 failed');
    expect(r.out).toMatch(/broken: cannot hash .*missing/);
    const again = cli(['extract', bad, '--out', dir, ...EXTRACT]);
    expect(again.out).toContain('(0 computed, 18 from the cache, 1 failed)');
    const status = cli(['extract', '--status', '--out', dir]);
    expect(status.code).toBe(2);
    expect(status.out).toContain('19 videos: 18 done, 1 failed, 0 missing');
    expect(status.out).toMatch(/ {2}broken: cannot hash/);
    const strict = cli(['extract', bad, '--out', tmp(), ...EXTRACT, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/plm-ipe: error: video 'broken' \(.*missing\): cannot hash/);
    // train leaves the failed video out with a warning instead of dying on it.
    const t = cli(['train', '--features', dir, '--method', 'LBE', '--epochs', '1', '--out', tmp()]);
    expect(t.code, t.err).toBe(0);
    expect(t.out).toContain("warning: video 'broken' is left out: its extraction failed");
  }, 120_000);
});

describe('train and eval remember their run', () => {
  let features = '';
  beforeAll(() => {
    features = tmp();
    expect(cli(['extract', manifest, '--out', features, ...EXTRACT]).code).toBe(0);
  }, 60_000);

  it('k-fold x seeds: a report with intervals, every run in results.json; eval reproduces it from config.json alone', () => {
    const run = tmp();
    const r = cli([
      'train',
      '--features',
      features,
      '--method',
      'LBE,PLM-IPE',
      '--epochs',
      '2',
      '--folds',
      '3',
      '--seeds',
      '2',
      '--out',
      run,
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.runs).toBe(6);
    expect(doc.perRun).toHaveLength(6);
    expect(doc.table1.map((x: { name: string }) => x.name)).toEqual(['LBE', 'PLM-IPE']);
    expect(doc.comparisons.map((c: { a: string; b: string }) => `${c.a}/${c.b}`)).toEqual([
      'PLM-IPE/LBE',
      'LBE-w/-Mut/LBE',
    ]);
    expect(r.err).toContain('Paired comparisons');
    for (const f of ['report.md', 'results.json', 'accuracy.svg', 'config.json'])
      expect(existsSync(join(run, 'report', f)), f).toBe(true);
    expect(readFileSync(join(run, 'report', 'accuracy.svg'), 'utf8')).toContain('<svg');
    const results = JSON.parse(readFileSync(join(run, 'report', 'results.json'), 'utf8'));
    expect(results.perRun.map((u: { fold: number; seed: number }) => `${u.fold}-${u.seed}`)).toEqual([
      '1-1',
      '1-2',
      '2-1',
      '2-2',
      '3-1',
      '3-2',
    ]);
    // Each subject is tested in exactly one fold.
    const tested = results.perRun
      .filter((u: { seed: number }) => u.seed === 1)
      .flatMap((u: { videos: { subject: string }[] }) => [...new Set(u.videos.map((v) => v.subject))]);
    expect(tested.sort()).toEqual(['s001', 's002', 's003', 's004', 's005', 's006']);
    const ev = cli(['eval', '--run', run, '--json']);
    expect(ev.code, ev.err).toBe(0);
    const evDoc = JSON.parse(ev.out);
    expect(evDoc.perRun.map((u: { scores: unknown }) => u.scores)).toEqual(
      doc.perRun.map((u: { scores: unknown }) => u.scores),
    );
    // A flag that disagrees with the run is an error naming both values; a rerun with other settings too.
    expect(cli(['eval', '--run', run, '--seed', '4']).err).toContain(`--seed is 4 but run ${run} was made with 1`);
    expect(cli(['eval', '--run', run, '--positive-above', '70']).err).toContain(
      '--negative-below/--positive-above is {"negativeBelow":40,"positiveAbove":70} but run',
    );
    expect(
      cli([
        'train',
        '--features',
        features,
        '--method',
        'LBE',
        '--epochs',
        '2',
        '--folds',
        '2',
        '--seeds',
        '2',
        '--out',
        run,
      ]).err,
    ).toContain('--folds is 2 but run');
  }, 300_000);

  it("--split uses the file's subjects; the run records them in split.json", () => {
    const file = join(tmp(), 'split.json');
    writeFileSync(file, JSON.stringify({ test: ['s001', 's002'], validation: ['s003'] }));
    const run = tmp();
    const r = cli([
      'train',
      '--features',
      features,
      '--method',
      'LBE',
      '--epochs',
      '1',
      '--split',
      file,
      '--out',
      run,
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const results = JSON.parse(readFileSync(join(run, 'report', 'results.json'), 'utf8'));
    expect([...new Set(results.testVideos.map((v: { subject: string }) => v.subject))].sort()).toEqual([
      's001',
      's002',
    ]);
    expect(JSON.parse(readFileSync(join(run, 'split.json'), 'utf8'))).toEqual({
      train: ['s004', 's005', 's006'],
      validation: ['s003'],
      test: ['s001', 's002'],
    });
    expect(cli(['train', '--features', features, '--split', file, '--folds', '2']).err).toContain(
      '--split and --folds both given',
    );
  }, 60_000);

  it('errors for bad split flags name the flag and the value', () => {
    expect(cli(['train', '--features', features, '--negative-below', '70', '--positive-above', '60']).err).toContain(
      '--negative-below (70) must not be above --positive-above (60)',
    );
    expect(cli(['train', '--features', features, '--validation', '1']).err).toContain(
      "expected a fraction from 0 (no validation) to below 1, got '1'",
    );
    expect(cli(['train', '--features', features, '--split', '/nonexistent.json']).err).toContain(
      'cannot read --split /nonexistent.json',
    );
    expect(cli(['eval', '--run', tmp()]).err).toContain('has no config.json');
    const demo = tmp();
    mkdirSync(join(demo, 'report'), { recursive: true });
    writeFileSync(join(demo, 'report', 'config.json'), '{}');
    expect(cli(['eval', '--run', demo]).err).toContain(
      `it is a 'plm-ipe demo' folder, whose test results are already in ${join(demo, 'report', 'results.json')}`,
    );
  }, 60_000);

  it('kill -9 during epoch 6 of 10, then the same command: bit-identical final numbers', async () => {
    const args = (out: string) => [
      'train',
      '--features',
      features,
      '--method',
      'PLM-IPE',
      '--epochs',
      '10',
      '--batch-size',
      '3',
      '--out',
      out,
      '--json',
    ];
    const straight = await start(args(tmp()));
    expect(straight.code, straight.err).toBe(0);
    const run = tmp();
    let killed = false;
    const interrupted = await new Promise<{ signal: NodeJS.Signals | null }>((resolve) => {
      const child = spawn(process.execPath, [...ARGS, ...args(run)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (!killed && err.includes('epoch 5/10')) {
          killed = true;
          child.kill('SIGKILL');
        }
      });
      child.on('close', (_code, signal) => resolve({ signal }));
    });
    expect(killed).toBe(true);
    expect(interrupted.signal).toBe('SIGKILL');
    const state = JSON.parse(readFileSync(join(run, 'checkpoints', 'plm-ipe', 'state.json'), 'utf8'));
    expect(state.epoch).toBeGreaterThanOrEqual(5);
    expect(state.epoch).toBeLessThan(10); // really interrupted
    const resumed = await start(args(run));
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toContain('(from checkpoint)');
    expect(JSON.parse(resumed.out).perRun).toEqual(JSON.parse(straight.out).perRun);
    // Every epoch's losses and validation scores too, not only the final table.
    const history = (out: string) =>
      JSON.parse(readFileSync(join(out, 'checkpoints', 'plm-ipe', 'state.json'), 'utf8')).history.map(
        ({ seconds: _s, ...rest }: { seconds: number }) => rest,
      );
    expect(history(run)).toEqual(history(JSON.parse(straight.out).run));
  }, 300_000);
});
