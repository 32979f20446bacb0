// `bootmedic eval titles <folder>`: measures the kernel crash-title parser against a folder
// of syzkaller-format test cases and prints the figures and the confusion list of misses.
// The measuring itself lives in signatures/kernel-report (evaluateTitles); this only prints.
import { evaluateTitles, type TitleEvaluation } from '../../signatures/index.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { usageError } from '../usage-error.ts';

const usage = 'bootmedic eval titles <folder> [--json] [--min-accuracy X]';

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

export const command: Command = {
  name: 'eval',
  summary: 'Measure the kernel crash-title parser against a folder in syzkaller\'s test format.',
  usage,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, {
      json: { type: 'boolean', default: false },
      'min-accuracy': { type: 'string' },
    }, usage);
    const [what, folder, ...rest] = positionals;
    if (what !== 'titles') usageError(what === undefined ? 'eval needs what to measure: titles' : `unknown evaluation '${what}' (known: titles)`, usage);
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
