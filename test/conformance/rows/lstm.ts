// The one place the table reads lstmSequence's result: every lstm row (op, graph, gradcheck) turns
// it into its output tensors here, so a change of what lstmSequence returns is adapted once.
import type { LstmSequenceResult, Tensor } from '../../../src/index.js';

/** lstmSequence's outputs in table order: output `[B, T, H]`, final h and final c `[B, H]`. */
export function lstmOutputs(r: LstmSequenceResult): [Tensor, Tensor, Tensor] {
  return [r.output, r.h, r.c];
}
