/* global require, process */
/* eslint-disable @typescript-eslint/no-require-imports -- plain Node, preloaded before tsx */
'use strict';
/**
 * Preloaded (`node --require`) into a worker child by the bench's `experiment` part: the worker bundles its
 * workflow code from $BENCH_WORKFLOWS_PATH (a generated variant) instead of workflows/index.ts. Everything
 * else is worker/main.ts as it is. The SDK's index re-exports bundleWorkflowCode through a getter that
 * reads this module's export at call time, so replacing it here is enough.
 */
const path = require('node:path');

const variant = process.env.BENCH_WORKFLOWS_PATH;
if (variant) {
  const bundler = require(
    path.join(path.dirname(require.resolve('@temporalio/worker')), 'workflow', 'bundler.js'),
  );
  const original = bundler.bundleWorkflowCode;
  bundler.bundleWorkflowCode = (options) => original({ ...options, workflowsPath: variant });
}
