import { defineErrors } from '../core/index.ts';

export const diagnoseErrors = defineErrors('diagnose', {
  DIAGNOSE_BAD_MODEL: {
    cause: 'A diagnosis model data file (priors, conditional probability tables, finding classes) is malformed: bad YAML, an unknown cause or state, or a probability outside (0, 1].',
    fix: 'Correct the field named in the message; docs/diagnose.md describes the format.',
    exit: 'input',
  },
  DIAGNOSE_BAD_EVIDENCE: {
    cause: 'The evidence given to diagnose (a JSON file or a stored boot record) does not have the documented shape.',
    fix: 'Correct the field named in the message; docs/diagnose.md lists the evidence fields.',
    exit: 'input',
  },
  DIAGNOSE_NOT_FOUND: {
    cause: 'The argument of `bootmedic diagnose` is neither a readable console log file nor the id of a boot in the store.',
    fix: "Pass a console log path, or a boot id shown by 'bootmedic boot' or 'bootmedic watch' (with the same --home).",
    exit: 'input',
  },
});
