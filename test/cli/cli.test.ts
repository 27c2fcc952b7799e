// The plm-ipe command line in child processes: --help of every command, one-line errors with exit
// code 1 and no stack for bad input, and `demo --size tiny` end to end printing Tables 1 and 2.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(__dirname, '../../src/cli/main.ts');
function cli(args: string[], timeout = 60_000) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout, cwd: join(__dirname, '../..') });
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
    expect(r.err).toContain("unknown method 'Nope'");
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

describe('plm-ipe demo --size tiny', () => {
  it('runs end to end, prints Tables 1 and 2, and PLM-IPE beats chance', () => {
    const out = mkdtempSync(join(tmpdir(), 'plm-ipe-demo-'));
    const r = cli(['demo', '--size', 'tiny', '--out', out], 600_000);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Table 1: Performance comparison among different methods.');
    expect(r.out).toContain('Table 2: The ablation study of our proposed method.');
    for (const m of ['PBE', 'LBE', 'EarlyFusion', 'LateFusion', 'PLM-IPE', 'PBE-w/-Mut', 'LBE-w/-Mut']) expect(r.out).toContain(`| ${m}`);
    // Three balanced-ish classes: chance is about 33 %, and the majority class of the test split is
    // printed with the split. Training is seeded, so this is deterministic on a given machine.
    const row = /\| PLM-IPE +\| +([\d.]+) \|/.exec(r.out);
    expect(row, r.out).not.toBeNull();
    expect(Number(row![1])).toBeGreaterThan(40);
  }, 620_000);
});
