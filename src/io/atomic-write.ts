// Atomic file writes for Node: write a temp file beside the target, fsync, then rename over it,
// so a crash mid-write never leaves a half-written file where a user's good one was.
// Node-only; imported lazily by callers that run in the browser too.

/** Writes `bytes` to `path` atomically (temp file in the same folder, fsync, rename). */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  const dir = nodePath.dirname(path);
  await fs.mkdir(dir, { recursive: true });
  const tmp = nodePath.join(dir, `.${nodePath.basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Synchronous twin of {@link writeFileAtomic}, for CLI code and benches that are synchronous. */
export function writeFileAtomicSync(
  fs: typeof import('node:fs'),
  nodePath: typeof import('node:path'),
  path: string,
  bytes: Uint8Array | string,
): void {
  const dir = nodePath.dirname(path);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = nodePath.join(dir, `.${nodePath.basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path);
}
