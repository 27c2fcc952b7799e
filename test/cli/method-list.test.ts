// The one parser of the CLI's method lists (demo --methods, train --method): all, any letter case,
// no repeats, and errors that name the bad entry and list what is accepted.
import { describe, expect, it } from 'vitest';
import { methodList } from '../../src/cli/errors.js';

describe('methodList', () => {
  it('reads all, a list and any letter case', () => {
    expect(methodList('all')).toEqual(['PBE', 'LBE', 'EarlyFusion', 'LateFusion', 'PLM-IPE']);
    expect(methodList('plm-ipe, LBE')).toEqual(['PLM-IPE', 'LBE']);
  });
  it('names an unknown, repeated or missing method', () => {
    const accepted = 'PBE, LBE, EarlyFusion, LateFusion, PLM-IPE (or all)';
    expect(() => methodList('PBE,Nope')).toThrow(`unknown method 'Nope'; expected one of ${accepted}`);
    expect(() => methodList('PBE-w/-Mut')).toThrow("unknown method 'PBE-w/-Mut'");
    expect(() => methodList('LBE,lbe')).toThrow("'LBE,lbe' names a method twice");
    expect(() => methodList(' , ')).toThrow(`expected one or more of ${accepted}, got ' , '`);
  });
});
