// The op table's text form, shared by the browser bench (./run.ts) and the Node WebGPU bench
// (../webgpu-node.ts): one row per (case, implementation) with the ratio to the tfjs peer.
import type { BenchRow } from './page/bench-entry.js';

export function benchTable(rows: BenchRow[], peer: string | null): string {
  const peerMs = new Map(rows.filter((r) => r.impl.startsWith('tfjs') && !r.error).map((r) => [r.case, r.ms]));
  const head = ['case', 'impl', 'ms', 'GFLOP/s', 'first call ms', 'WGSL calls', peer ? `vs tfjs-${peer}` : ''];
  const body = rows.map((r) => [
    r.case,
    r.impl,
    r.error ? `ERROR ${r.error.slice(0, 100)}` : r.ms.toFixed(1),
    r.flops && !r.error ? (r.flops / r.ms / 1e6).toFixed(3) : '-',
    r.firstMs.toFixed(0),
    r.wgslCalls === undefined ? '' : String(r.wgslCalls),
    peer && !r.impl.startsWith('tfjs') && !r.error && peerMs.has(r.case)
      ? `${(peerMs.get(r.case)! / r.ms).toFixed(2)}x`
      : '',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cells) => cells.map((c, i) => c.padEnd(w[i])).join('  ')).join('\n');
}
