// Classification metrics for the paper's tables: accuracy, the confusion matrix, per-class
// precision / recall / F1 and macro F1. Plain numbers in, plain numbers out.

/** A method's scores on a test set: accuracy, confusion matrix, per-class precision/recall/F1, macro F1. */
export interface ClassificationReport {
  /** Fraction of predictions that are right. */
  accuracy: number;
  /** confusion[trueClass][predictedClass] = count */
  confusion: number[][];
  /** Precision, recall, F1 and the number of true examples, per class. */
  perClass: { precision: number; recall: number; f1: number; support: number }[];
  /** Unweighted mean of the per-class F1. */
  macroF1: number;
  /** Number of predictions scored. */
  count: number;
}

/**
 * Scores predicted class indices against true ones.
 * @example
 * classificationReport([0, 1, 2, 2], [0, 2, 2, 2], 3).accuracy; // 0.75
 */
export function classificationReport(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): ClassificationReport {
  if (truth.length !== predicted.length) {
    throw new Error(`classificationReport: truth has ${truth.length} labels but predicted has ${predicted.length}`);
  }
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = predicted[i];
    if (!Number.isInteger(t) || t < 0 || t >= classes)
      throw new Error(`classificationReport: truth[${i}] = ${t} is not a class in [0, ${classes - 1}]`);
    if (!Number.isInteger(p) || p < 0 || p >= classes)
      throw new Error(`classificationReport: predicted[${i}] = ${p} is not a class in [0, ${classes - 1}]`);
    confusion[t][p]++;
    if (t === p) correct++;
  }
  const perClass = confusion.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    const predictedC = confusion.reduce((a, r) => a + r[c], 0);
    const precision = predictedC === 0 ? 0 : tp / predictedC;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
  return {
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    confusion,
    perClass,
    macroF1: perClass.reduce((a, c) => a + c.f1, 0) / classes,
    count: truth.length,
  };
}

/** Index of the largest value in each row of a `[n, classes]` row-major array. */
export function argmaxRows(values: ArrayLike<number>, classes: number): number[] {
  const n = values.length / classes;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[i * classes + c] > values[i * classes + best]) best = c;
    out.push(best);
  }
  return out;
}
