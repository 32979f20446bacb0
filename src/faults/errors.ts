import { defineErrors } from '../core/index.ts';

/** Error codes of faults/: the fault catalogue and its injectors. */
export const faultErrors = defineErrors('faults', {
  FAULT_CATALOGUE_INVALID: { cause: 'src/faults/catalogue.yaml does not match its schema.', fix: 'Fix the named field in catalogue.yaml.', exit: 'input' },
  FAULT_UNKNOWN: { cause: 'No fault of that name is in the catalogue.', fix: 'Use one of the names the message lists.', exit: 'input' },
  FAULT_TOOL_FAILED: { cause: 'A tool an image injector runs (qemu-img, mtools, debugfs) is missing or failed.', fix: 'Install qemu-utils, mtools and e2fsprogs; read the tool message.', exit: 'unavailable' },
  FAULT_NOT_APPLICABLE: { cause: 'The fault cannot be injected into this VM (wrong guest, or the file it damages is absent).', fix: 'Inject it into a VM of a guest the fault lists.', exit: 'input' },
});
