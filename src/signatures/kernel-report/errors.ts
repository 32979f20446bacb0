// Error codes of the kernel crash-report parser (part of signatures/).
import { defineErrors } from '../../core/index.ts';

/** Errors raised by src/signatures/kernel-report. */
export const kernelReportErrors = defineErrors('signatures', {
  SIGNATURES_KREPORT_BAD_RULES: {
    cause: 'The kernel oops rule file (linux-oopses.json, written from linux-oopses.yaml) is unreadable, malformed, or has a pattern that does not compile.',
    fix: 'Restore src/signatures/kernel-report/linux-oopses.{yaml,json} from the release, or fix the entry named in the message in the YAML and run node scripts/build-kb.ts.',
    exit: 'input',
  },
  SIGNATURES_KREPORT_BAD_FOLDER: {
    cause: 'The folder given to the title evaluation cannot be read or holds no test cases.',
    fix: "Pass a folder of syzkaller-format test files (TITLE:/CORRUPTED: header, empty line, console log), e.g. ../shared/corpus/syzkaller-linux-report.",
    exit: 'input',
  },
});
