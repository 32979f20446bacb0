// The host-tool runner's door (re-exported by src/core/index.ts).
export { runTool, runToolSync, peekToolSync, packageOf, lastLines } from './run-tool.ts';
export type { ToolResult, ToolOptions, AsyncToolOptions } from './run-tool.ts';
export { toolErrors } from './errors.ts';
export { withParentDeathSignal } from './parent-death.ts';
