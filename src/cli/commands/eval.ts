// `bootmedic eval titles <folder>`: measures the kernel crash-title parser against a folder
// of syzkaller-format test cases and prints the figures and the confusion list of misses.
// `bootmedic eval nab <folder>`: scores the anomaly detector on the Numenta Anomaly
// Benchmark. The measuring lives in signatures/kernel-report and monitor/; this only prints.
import { createDetector, evaluateNab, type NabEvaluation } from '../../monitor/index.ts';
import { evaluateTitles, type TitleEvaluation } from '../../signatures/index.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { usageError } from '../errors.ts';

const usage = 'bootmedic eval titles <folder> [--json] [--min-accuracy X]\n       bootmedic eval nab <folder> [--out DIR] [--json]';

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function human(r: TitleEvaluation): string {
  const out: string[] = [
    `folder               ${r.folder}`,
    `cases                ${r.cases} (${r.crashCases} with a crash, ${r.cases - r.crashCases} crash-free)`,
    `exact titles         ${r.exactTitles}/${r.cases}  ${pct(r.exactTitleAccuracy)}`,
    `crash agreement      ${pct(r.crashAgreement)}  (false crashes ${r.falseCrashes}, missed crashes ${r.missedCrashes})`,
    `corrupted agreement  ${pct(r.corruptedAgreement)}`,
    `type agreement       ${pct(r.typeAgreement)} of crash cases`,
    `alt-title agreement  ${pct(r.altAgreement)} of crash cases`,
  ];
  if (r.misses.length === 0) {
    out.push('misses               none');
  } else {
    out.push(`misses               ${r.misses.length}`);
    for (const m of r.misses) {
      out.push(`  ${m.file}  ${m.kind}`, `    expected: ${m.expected}`, `    got:      ${m.got}`);
    }
  }
  return out.join('\n') + '\n';
}

function humanNab(r: NabEvaluation): string {
  const row = (name: string, p: NabEvaluation['profiles']['standard']) =>
    `${name.padEnd(20)} ${p.score.toFixed(1).padStart(6)}   raw ${p.raw.toFixed(2).padStart(8)}   threshold ${p.threshold}`;
  return [
    `folder               ${r.folder}`,
    `detector             ${r.detector}, one parameter set`,
    `series               ${r.series} (${r.windows} windows, ${r.points} points)`,
    `detector cost        ${r.usPerPoint.toFixed(2)} µs per point`,
    'profile              score (0 null, 100 perfect)',
    row('standard', r.profiles.standard),
    row('reward low FP', r.profiles.rewardLowFP),
    row('reward low FN', r.profiles.rewardLowFN),
  ].join('\n') + '\n';
}

export const command: Command = {
  name: 'eval',
  summary: "Measure the kernel crash-title parser (eval titles) or the anomaly detector on NAB (eval nab).",
  usage,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, {
      json: { type: 'boolean', default: false },
      'min-accuracy': { type: 'string' },
      out: { type: 'string' },
    }, usage);
    const [what, folder, ...rest] = positionals;
    if (what !== 'titles' && what !== 'nab') usageError(what === undefined ? 'eval needs what to measure: titles or nab' : `unknown evaluation '${what}' (known: titles, nab)`, usage);
    if (what === 'nab') {
      if (folder === undefined || rest.length > 0) usageError('eval nab takes exactly one folder (a NAB copy holding data/ and labels/)', usage);
      if (values['min-accuracy'] !== undefined) usageError('--min-accuracy belongs to eval titles', usage);
      const opts = values.out === undefined ? {} : { out: values.out };
      const r = evaluateNab(folder, { detector: 'bootmedic', make: (probation) => createDetector(probation), ...opts });
      if (values.json) {
        const { standard, rewardLowFP, rewardLowFN, series } = r;
        ctx.stdout.write(`${JSON.stringify({ standard, rewardLowFP, rewardLowFN, series, windows: r.windows, points: r.points, usPerPoint: r.usPerPoint, profiles: r.profiles })}\n`);
      } else {
        ctx.stdout.write(humanNab(r));
      }
      return EXIT.ok;
    }
    if (values.out !== undefined) usageError('--out belongs to eval nab', usage);
    if (folder === undefined || rest.length > 0) usageError('eval titles takes exactly one folder', usage);
    let min: number | undefined;
    if (values['min-accuracy'] !== undefined) {
      min = Number(values['min-accuracy']);
      if (!Number.isFinite(min) || min < 0 || min > 1) usageError('--min-accuracy must be a number from 0 to 1', usage);
    }
    const r = evaluateTitles(folder);
    ctx.stdout.write(values.json ? `${JSON.stringify(r)}\n` : human(r));
    // With a floor given, the exit code gates CI: below it, or any false crash, fails.
    if (min !== undefined && (r.exactTitleAccuracy < min || r.falseCrashes > 0)) return EXIT.failed;
    return EXIT.ok;
  },
};
