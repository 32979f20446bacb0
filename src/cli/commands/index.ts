import type { Command } from '../command.ts';

type Entry = Readonly<{ summary: string; load: () => Promise<{ command: Command }> }>;

// Commands load lazily, so `bootmedic analyze` does not pay for QEMU or SQLite code.
export const COMMANDS: Readonly<Record<string, Entry>> = {
  run: { summary: 'The main job on its defaults: boot the tiny guest once, then a short demo drill (4 seeded faults healed on real VMs).', load: () => import('./run.ts') },
  boot: { summary: 'Boot a VM once and report its phases and outcome.', load: () => import('./boot.ts') },
  watch: { summary: 'Keep VMs running and report every boot and reboot.', load: () => import('./watch.ts') },
  analyze: { summary: 'Find boot failures in a saved console log (or stdin).', load: () => import('./analyze.ts') },
  eval: { summary: "Measure the kernel crash-title parser (eval titles <folder>) or the anomaly detector on the Numenta Anomaly Benchmark (eval nab <folder>).", load: () => import('./eval.ts') },
  guest: { summary: 'Build the guests bootmedic boots (tiny, debian).', load: () => import('./guest.ts') },
  ledger: { summary: 'Show, verify, prove and export the transparency log.', load: () => import('./ledger.ts') },
  image: { summary: 'Inspect, repair and catalogue disk images.', load: () => import('./image.ts') },
  diagnose: { summary: 'Rank the likely causes of a failed boot.', load: () => import('./diagnose.ts') },
  monitor: { summary: "Show one round of the host's metrics, and what this host cannot give (monitor host).", load: () => import('./monitor.ts') },
  serve: { summary: 'Run the service: the API, live events, the dashboard and metrics, until SIGTERM.', load: () => import('./serve.ts') },
  token: { summary: "Make, list and revoke the API's bearer tokens (viewer, operator).", load: () => import('./token.ts') },
  drill: { summary: 'Inject faults into real VMs and measure recovery.', load: () => import('./drill.ts') },
};
