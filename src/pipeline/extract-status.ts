// Bookkeeping of a features folder that several processes may fill at once: which 1/N of a
// manifest a shard owns (`--shard I/N`, Kubernetes Indexed Jobs, Slurm job arrays), the per-video
// failure records (`<dir>/failures/<id>.json`, written atomically, removed when the video later
// succeeds), and the done / failed / missing status of every video. Node only (lazy node: imports);
// knows nothing about models.
import { writeFileAtomic } from '../io/atomic-write.js';
import { hashBytes } from '../data/cache.js';

/** One shard of N: a 0-based index and the count. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses `--shard`: `I/N` (0 <= I < N), or `env` / `env/N` to read the index from the scheduler:
 * Slurm job arrays (`SLURM_ARRAY_TASK_ID`, minus `SLURM_ARRAY_TASK_MIN`, of `SLURM_ARRAY_TASK_COUNT`)
 * or Kubernetes Indexed Jobs (`JOB_COMPLETION_INDEX`, with N from `env/N` since a Job does not export its completions).
 * @example
 * parseShard('2/8'); // { index: 2, count: 8 }
 * parseShard('env/8', { JOB_COMPLETION_INDEX: '5' }); // { index: 5, count: 8 }
 */
export function parseShard(text: string, env: Record<string, string | undefined> = {}): Shard {
  const int = (v: string | undefined, what: string): number => {
    const n = Number(v);
    if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < 0)
      throw new Error(`--shard: ${what} must be a non-negative integer, got ${v === undefined ? 'nothing' : `'${v}'`}`);
    return n;
  };
  let index: number;
  let count: number;
  const m = /^env(?:\/(.*))?$/.exec(text);
  if (m) {
    if (env.SLURM_ARRAY_TASK_ID !== undefined) {
      index =
        int(env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID') -
        int(env.SLURM_ARRAY_TASK_MIN ?? '0', 'SLURM_ARRAY_TASK_MIN');
      count =
        m[1] !== undefined ? int(m[1], 'the shard count') : int(env.SLURM_ARRAY_TASK_COUNT, 'SLURM_ARRAY_TASK_COUNT');
    } else if (env.JOB_COMPLETION_INDEX !== undefined) {
      index = int(env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX');
      if (m[1] === undefined)
        throw new Error(
          "--shard env: JOB_COMPLETION_INDEX is set but not the shard count; use '--shard env/N' with N the Job's completions",
        );
      count = int(m[1], 'the shard count');
    } else {
      throw new Error(
        '--shard env: neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set',
      );
    }
  } else {
    const parts = /^(\d+)\/(\d+)$/.exec(text.trim());
    if (!parts)
      throw new Error(`--shard must be I/N (0-based index I of N shards, e.g. 0/4), env or env/N, got '${text}'`);
    index = Number(parts[1]);
    count = Number(parts[2]);
  }
  if (count < 1) throw new Error(`--shard: the shard count must be at least 1, got ${count}`);
  if (index >= count)
    throw new Error(`--shard: index ${index} is not below the shard count ${count} (indices are 0-based)`);
  return { index, count };
}

/** The items of shard `index` of `count`: every count-th one, starting at index (deterministic, balanced within one). */
export function shardItems<T>(items: readonly T[], shard: Shard | undefined): T[] {
  if (!shard || shard.count === 1) return [...items];
  return items.filter((_, i) => i % shard.count === shard.index);
}

/** What is recorded about a video whose extraction failed. */
export interface FailureRecord {
  id: string;
  video: string;
  /** The error's message. */
  reason: string;
  /** ISO time of the failure. */
  at: string;
  /** `I/N` of the shard that failed on it, when sharded. */
  shard?: string;
}

/** The failure file of a video: a readable prefix of the id plus a hash, so any id is a safe file name. */
export async function failureFile(dir: string, id: string): Promise<string> {
  const path = await import('node:path');
  const safe = id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  return path.join(dir, 'failures', `${safe}-${(await hashBytes(id)).slice(0, 10)}.json`);
}

/** Records a failure (atomically; a later failure of the same video replaces it). */
export async function recordFailure(dir: string, record: FailureRecord): Promise<void> {
  await writeFileAtomic(await failureFile(dir, record.id), JSON.stringify(record, null, 1));
}

/** Forgets a video's failure (after it succeeded). */
export async function clearFailure(dir: string, id: string): Promise<void> {
  const fs = await import('node:fs/promises');
  await fs.rm(await failureFile(dir, id), { force: true });
}

/** Every failure recorded in a features folder, by video id. */
export async function readFailures(dir: string): Promise<Map<string, FailureRecord>> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const out = new Map<string, FailureRecord>();
  let names: string[];
  try {
    names = await fs.readdir(path.join(dir, 'failures'));
  } catch {
    return out;
  }
  for (const n of names.filter((x) => x.endsWith('.json') && !x.startsWith('.')).sort()) {
    try {
      const r = JSON.parse(await fs.readFile(path.join(dir, 'failures', n), 'utf8')) as FailureRecord;
      out.set(r.id, r);
    } catch {
      // A record removed by another process between readdir and read is simply gone.
    }
  }
  return out;
}

/** The state of every video of a manifest in a features folder. */
export interface ExtractionStatus {
  done: string[];
  failed: FailureRecord[];
  /** Neither extracted nor failed yet (not started, or a process is on it, or it was killed). */
  missing: string[];
}

/** Formats a status as the lines `extract --status` prints (at most `limit` ids per list). */
export function statusText(status: ExtractionStatus, limit = 20): string {
  const total = status.done.length + status.failed.length + status.missing.length;
  const list = (ids: string[]) =>
    ids.slice(0, limit).join(', ') + (ids.length > limit ? `, ... (${ids.length - limit} more)` : '');
  const lines = [
    `${total} videos: ${status.done.length} done, ${status.failed.length} failed, ${status.missing.length} missing`,
  ];
  if (status.failed.length) {
    lines.push('failed:');
    for (const f of status.failed.slice(0, limit))
      lines.push(`  ${f.id}: ${f.reason}${f.shard ? ` (shard ${f.shard})` : ''}`);
    if (status.failed.length > limit) lines.push(`  ... (${status.failed.length - limit} more)`);
  }
  if (status.missing.length) lines.push(`missing: ${list(status.missing)}`);
  return lines.join('\n');
}
