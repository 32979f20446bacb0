import { defineErrors } from '../core/index.ts';

export const healErrors = defineErrors('heal', {
  HEAL_BAD_REMEDIES: {
    cause: 'The remedies data file is malformed: bad YAML, an unknown cause, fact or action kind, a probability above 0.99, or a duplicate id.',
    fix: 'Correct the field named in the message; docs/heal.md describes the format.',
    exit: 'input',
  },
  HEAL_UNKNOWN_REMEDY: {
    cause: 'A stored incident step names a remedy that the current remedies file does not define (the file changed while an incident was open).',
    fix: 'Restore that remedy in the remedies file, or close the incident by hand over; the step is shown in the message.',
    exit: 'input',
  },
  HEAL_BAD_RECORD: {
    cause: 'An incident or one of its steps read back from the store is malformed (a field is missing or of the wrong kind), so its state cannot be replayed.',
    fix: 'The message names the incident, the step and the field; restore bootmedic.db from a backup, or move it aside so a new store is created (the open incident is then forgotten).',
    exit: 'input',
  },
});
