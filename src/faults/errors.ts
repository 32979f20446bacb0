import { defineErrors } from '../core/index.ts';

/** Error codes of faults/: the fault catalogue and its injectors. */
export const faultErrors = defineErrors('faults', {
  FAULT_CATALOGUE_INVALID: { cause: 'src/faults/catalogue.yaml does not match its schema.', fix: 'Fix the named field in catalogue.yaml.', exit: 'input' },
  FAULT_UNKNOWN: { cause: 'No fault of that name is in the catalogue.', fix: 'Use one of the names the message lists.', exit: 'input' },
  FAULT_TOOL_FAILED: { cause: 'An image injector cannot use a tool on this disk (debugfs reports an error, or the path holds a character e2fsprogs cannot open).', fix: 'Read the tool message; move the image to a path without \'?\' if it names one.', exit: 'input' },
  FAULT_NOT_APPLICABLE: { cause: 'The fault cannot be injected into this VM (wrong guest, or the file it damages is absent).', fix: 'Inject it into a VM of a guest the fault lists.', exit: 'input' },
});
