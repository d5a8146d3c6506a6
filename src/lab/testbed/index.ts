export {
  Testbed,
  TestbedError,
  BRIDGE,
  UPLINK_OFPORT,
  type TestbedOptions,
  type NamespaceRole,
} from './testbed.js';
export { NamespaceSocketHost, nsRun } from './netns.js';
export { run, CommandError, type RunResult } from './run.js';
export { sweepStaleInstances } from './registry.js';
