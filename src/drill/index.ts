// drill/: seeded campaigns of injected faults on real QEMU VMs, run through detection,
// diagnosis, healing and ready; statistics and reports (Markdown, JSON, HTML).
export { runDrill } from './runner.ts';
export type { DrillOptions, DrillMachines } from './runner.ts';
export { drawScenarios, injectScenario, loadDrillFaults, parseDrillFaults } from './scenarios.ts';
export type { DrillFault, DrillGuest, Scenario, InjectedScenario } from './scenarios.ts';
export { computeTotals, percentile } from './stats.ts';
export type { DrillReport, DrillTotals, ScenarioResult } from './stats.ts';
export { renderHtml, renderMarkdown, writeReport } from './report.ts';
export { describeProgress } from './progress.ts';
export type { DrillProgress } from './progress.ts';
export { finishDrill } from './finish.ts';
export { drillErrors } from './errors.ts';
