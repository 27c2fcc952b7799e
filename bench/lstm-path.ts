// Switches the cpu backend between its whole-layer LSTM (lstmLayer / lstmLayerGrad) and the
// per-step lstmCell path the op falls back to without them, so benches can time both in one
// process. Bench-only: it edits CpuBackend.prototype.
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';

type WholeLayer = Pick<CpuBackend, 'lstmLayer' | 'lstmLayerGrad'>;
const proto = CpuBackend.prototype as Partial<WholeLayer>;
const wholeLayer: Partial<WholeLayer> = { lstmLayer: proto.lstmLayer, lstmLayerGrad: proto.lstmLayerGrad };

/** `true`: the whole-layer path (the default); `false`: the per-step path (the code before the whole-layer LSTM). */
export function useWholeLayerLstm(on: boolean): void {
  Object.assign(proto, on ? wholeLayer : { lstmLayer: undefined, lstmLayerGrad: undefined });
}
