// Command-line helpers shared by the probes: the `--size tiny|small` flag (the demo's dataset size)
// and the positional arguments left around it. Imports nothing.

/** The demo size named by `--size` (default tiny) and the other arguments in order. */
export function probeArgs(argv: readonly string[] = process.argv.slice(2)): {
  size: 'tiny' | 'small';
  positional: string[];
} {
  const at = argv.indexOf('--size');
  const size = at >= 0 ? argv[at + 1] : 'tiny';
  if (size !== 'tiny' && size !== 'small') throw new Error(`--size must be tiny or small, got ${JSON.stringify(size)}`);
  return { size, positional: at >= 0 ? argv.filter((_, i) => i !== at && i !== at + 1) : [...argv] };
}
