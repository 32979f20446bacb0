import { defineErrors } from '../core/index.ts';

/** Error codes of drill/: scenario data, the baseline boot, report writing. */
export const drillErrors = defineErrors('drill', {
  DRILL_BAD_SCENARIOS: { cause: 'src/drill/scenarios.yaml does not match its schema or names an unknown fault.', fix: 'Fix the named field in scenarios.yaml.', exit: 'input' },
  DRILL_BASELINE_FAILED: { cause: 'The clean boot of the drill VM did not reach ready, so no fault can be scored against it.', fix: "Check the tiny guest with 'bootmedic boot examples/tiny.yaml' (build it with 'bootmedic guest build tiny').", exit: 'input' },
  DRILL_BAD_OPTIONS: { cause: 'A drill option is out of range.', fix: 'Use --scenarios 1..1000, --parallel 1..8 and a positive --rto.', exit: 'usage' },
});
