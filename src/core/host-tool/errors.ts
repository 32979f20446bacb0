import { defineErrors } from '../errors.ts';

/** Error codes of the host-tool runner (src/core/host-tool): every external program bootmedic runs. */
export const toolErrors = defineErrors('host-tool', {
  TOOL_MISSING: {
    cause: 'A host program bootmedic runs (qemu-img, debugfs, mtools, apt-get, debootstrap, ...) is not installed.',
    fix: 'Install the Debian package the message names (or run scripts/setup.sh), then run again.',
    exit: 'unavailable',
  },
  TOOL_FAILED: {
    cause: 'A host program exited non-zero, or was killed; the message quotes its arguments and the end of its stderr.',
    fix: "Read the tool's own message; it usually names the file or setting at fault.",
    exit: 'unavailable',
  },
  TOOL_TIMEOUT: {
    cause: 'A host program did not finish within its time limit and was killed (with the processes it started).',
    fix: 'Check that the disk or image is not on a stalled or very slow filesystem, then run again.',
    exit: 'unavailable',
  },
  TOOL_ABORTED: {
    cause: 'The operation was interrupted (Ctrl-C or a shutdown) while a host program ran; it was stopped.',
    fix: 'Run the command again when ready.',
    exit: 'interrupted',
  },
  TOOL_OUTPUT_LIMIT: {
    cause: 'A host program wrote more output than bootmedic keeps for it, and was stopped.',
    fix: 'The input is probably not what the tool expects (a wrong or damaged image); check it.',
    exit: 'input',
  },
});
