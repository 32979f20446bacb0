/** The verdict of one inspection check. */
export type CheckStatus = 'ok' | 'problem';

/** One line of the inspection report: `--json` prints these as they are. */
export type ImageCheck = Readonly<{ name: string; status: CheckStatus; evidence: string; fix: string }>;

/** The inspection report: ok only when every check is ok. */
export type InspectReport = Readonly<{ ok: boolean; checks: readonly ImageCheck[] }>;

/** Collects checks in order. */
export class CheckList {
  readonly checks: ImageCheck[] = [];
  ok(name: string, evidence: string): void {
    this.checks.push({ name, status: 'ok', evidence, fix: '' });
  }
  problem(name: string, evidence: string, fix: string): void {
    this.checks.push({ name, status: 'problem', evidence, fix });
  }
  has(name: string): boolean {
    return this.checks.some((c) => c.name === name && c.status === 'problem');
  }
  report(): InspectReport {
    return { ok: this.checks.every((c) => c.status === 'ok'), checks: this.checks };
  }
}
