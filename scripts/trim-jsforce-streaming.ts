import type * as esbuild from 'esbuild';

/**
 * The Salesforce client loads jsforce's streaming module (faye, tough-cookie: ~190 KB) with a
 * dynamic import, only for `tossup listen --crm salesforce`, a long-running CLI process. No Lambda
 * function listens: on AWS, Salesforce change events arrive through Event Relay and EventBridge.
 * esbuild still bundles a literal dynamic import, so in a function's bundle the module is replaced
 * by one that says where listening runs. The CLI, run from source, is untouched.
 */
export const STREAMING_MODULE = /^jsforce\/lib\/api\/streaming(\.js)?$/;

export const STREAMING_NOT_IN_LAMBDA =
  "jsforce's streaming client is not in the Lambda bundle: run `tossup listen --crm salesforce` from the CLI, or use Event Relay on AWS (docs/deploy.md)";

export function trimJsforceStreaming(): esbuild.Plugin {
  return {
    name: 'tossup-trim-jsforce-streaming',
    setup(build) {
      build.onResolve({ filter: STREAMING_MODULE }, () => ({
        path: 'streaming',
        namespace: 'tossup-no-streaming',
      }));
      build.onLoad({ filter: /.*/, namespace: 'tossup-no-streaming' }, () => ({
        contents: `export class Streaming { constructor() { throw new Error(${JSON.stringify(STREAMING_NOT_IN_LAMBDA)}); } }`,
        loader: 'js',
      }));
    },
  };
}
