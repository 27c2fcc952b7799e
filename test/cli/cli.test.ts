// The plm-ipe command line in child processes: --help of every command, one-line errors with exit
// code 1 and no stack for bad input, and `demo --size tiny` end to end printing Tables 1 and 2
// with no row collapsed onto one class.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasFfmpeg } from '../../src/data/video.js';
import { writeRunAndVideos } from '../predict/run-fixture.js';

const MAIN = join(__dirname, '../../src/cli/main.ts');
function cli(args: string[], timeout = 60_000) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    timeout,
    cwd: join(__dirname, '../..'),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('plm-ipe --help', () => {
  it.each(['demo', 'extract', 'train', 'eval', 'predict'])('%s --help', (cmd) => {
    const r = cli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: plm-ipe ${cmd}`);
  });
  it('lists the commands', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['demo', 'extract', 'train', 'eval', 'predict']) expect(r.out).toContain(cmd);
  });
});

describe('bad input', () => {
  const noStack = (err: string) => expect(err).not.toMatch(/\n\s+at /);
  it('a missing manifest', () => {
    const r = cli(['extract', '/nonexistent/manifest.jsonl', '--out', mkdtempSync(join(tmpdir(), 'plm-ipe-cli-'))]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('plm-ipe: error: cannot read manifest /nonexistent/manifest.jsonl');
    noStack(r.err);
  });
  it('an unknown method', () => {
    const r = cli(['train', '--method', 'Nope', '--features', '/nonexistent']);
    expect(r.code).toBe(1);
    expect(r.err).toContain("plm-ipe: error: unknown method 'Nope'; expected one of PBE, LBE, EarlyFusion, LateFusion");
    noStack(r.err);
  });
  it('a features folder that is not one', () => {
    const r = cli(['train', '--features', '/nonexistent']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('is not a features folder');
  });
  it('a bad option value', () => {
    const r = cli(['demo', '--size', 'huge']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('expected one of tiny, small');
  });
  it('an unknown or repeated --methods name', () => {
    const unknown = cli(['demo', '--methods', 'PBE,Nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain("unknown method 'Nope'; expected one of PBE, LBE, EarlyFusion, LateFusion, PLM-IPE");
    expect(cli(['demo', '--methods', 'LBE,LBE']).err).toContain("'LBE,LBE' names a method twice");
  });
  it('predict without landmarks', () => {
    const r = cli(['predict', 'video.mp4']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('predict needs landmarks');
  });
});

describe('plm-ipe predict', () => {
  it('predicts several videos with --json on stdout, logs on stderr, and reports a failed video', async () => {
    if (!(await hasFfmpeg())) return;
    const dir = mkdtempSync(join(tmpdir(), 'plm-ipe-predict-'));
    const { run, videos, landmarks } = await writeRunAndVideos(dir, 2);
    const r = cli(['predict', ...videos, '--run', run, '--landmarks', ...landmarks, '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as {
      fps: number;
      results: {
        video: string;
        ok: boolean;
        prediction: { label: string; fused: number[]; pixel: number[]; landmark: number[]; frames: number };
      }[];
    };
    expect(doc.fps).toBe(8);
    expect(doc.results.map((x) => x.video)).toEqual(videos);
    for (const x of doc.results) {
      expect(x.ok).toBe(true);
      expect(['negative', 'neutral', 'positive']).toContain(x.prediction.label);
      for (const row of [x.prediction.fused, x.prediction.pixel, x.prediction.landmark])
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    expect(r.err).toContain('predicted preference');
    // A file that is not a video among good ones: reported, the others still predicted, exit code 2.
    const junk = join(dir, 'junk.mp4');
    writeFileSync(junk, 'not a video');
    const mixed = cli(['predict', videos[0], junk, '--run', run, '--landmarks', landmarks[0], landmarks[1]]);
    expect(mixed.code).toBe(2);
    expect(mixed.out).toMatch(/video: .*junk\.mp4: failed: cannot read video .*junk\.mp4/);
    expect(mixed.out).toContain('1 of 2 videos failed');
  }, 120_000);
});

describe('plm-ipe demo --size tiny', () => {
  it('runs end to end, prints Tables 1 and 2, writes the report, and no row collapses onto one class', () => {
    const out = mkdtempSync(join(tmpdir(), 'plm-ipe-demo-'));
    const r = cli(['demo', '--size', 'tiny', '--out', out], 600_000);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Table 1: Performance comparison among different methods.');
    expect(r.out).toContain('Table 2: The ablation study of our proposed method.');
    for (const m of ['PBE', 'LBE', 'EarlyFusion', 'LateFusion', 'PLM-IPE', 'PBE-w/-Mut', 'LBE-w/-Mut'])
      expect(r.out).toContain(`| ${m}`);
    for (const f of ['report.md', 'results.json', 'config.json'])
      expect(existsSync(join(out, 'report', f)), f).toBe(true);
    const results = JSON.parse(readFileSync(join(out, 'report', 'results.json'), 'utf8')) as {
      predicted: Record<string, number[]>;
      table1: { name: string; report: { accuracy: number; macroF1: number } }[];
    };
    // What the small preset's class-balanced CE and KL ramp are for: no row, PLM-IPE's pixel branch
    // included, predicts one class for every test video (with plain CE and full KL PBE-w/-Mut did).
    expect(Object.keys(results.predicted)).toHaveLength(7);
    for (const [name, predicted] of Object.entries(results.predicted))
      expect(new Set(predicted).size, name).toBeGreaterThan(1);
    expect(r.out + r.err).not.toContain('collapsed onto one class');
    // One split of 3 test subjects (45 videos) cannot order the methods or hold PLM-IPE above chance:
    // the paired bootstrap's 95 % intervals for a difference between two rows are 13-60 points wide.
    // Measured with the final code: PLM-IPE 37.8 %, macro F1 0.325. A collapsed row scores about
    // 0.19 here; the bounds below sit between that and the measurement.
    const plm = results.table1.find((x) => x.name === 'PLM-IPE')!;
    expect(plm.report.macroF1).toBeGreaterThan(0.25);
    expect(plm.report.accuracy).toBeGreaterThan(0.3);
  }, 620_000);
});
