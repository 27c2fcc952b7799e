// The `plm-ipe/node` entry: public API that needs Node (files, child processes, caches on disk).
// Issue 15's additions: k-fold/seed comparisons, run configs, sharded extraction and its status.
export { trainComparison } from '../pipeline/demo.js';
export type { TrainComparisonOptions, ComparisonResult, SplitRunResult } from '../pipeline/demo.js';
export { summarizeRuns, comparisonText, comparisonTable, intervalTable, collapsedClass, COMPARED_PAIRS } from '../pipeline/comparison.js';
export type { RunOutcome, RowSummary, PairedComparison, ComparisonSummary } from '../pipeline/comparison.js';
export { readRunConfig, checkRunConfig, writeRunConfig, readRunSplit } from '../pipeline/run-config.js';
export type { RunConfig } from '../pipeline/run-config.js';
export { parseShard, shardItems, readFailures, recordFailure, clearFailure, failureFile, statusText } from '../pipeline/extract-status.js';
export type { Shard, FailureRecord, ExtractionStatus } from '../pipeline/extract-status.js';
export { extractionStatus } from '../pipeline/extract.js';
export { featureFolderStatus, extractManifest } from '../pipeline/feature-folder.js';
export type { ExtractManifestOptions } from '../pipeline/feature-folder.js';
