import { defineErrors } from '../core/index.ts';

/** How to start libvirt on a host, for the messages of errors that find it down. */
export const START_LIBVIRTD = "start it: 'systemctl enable --now libvirtd' on a systemd host, 'virtlogd -d; libvirtd -d' without systemd (Debian packages libvirt-daemon-system libvirt-clients)";

/** Error codes of libvirt/: virsh answers, domain XML and the serial log, turned into typed errors here. */
export const libvirtErrors = defineErrors('libvirt', {
  LIBVIRT_URI_UNREACHABLE: {
    cause: 'virsh could not connect to the libvirt URI: libvirtd is not running, its socket is missing, the URI names no driver, or the connection was refused.',
    fix: `Check the URI (default qemu:///system) and ${START_LIBVIRTD}.`,
    exit: 'unavailable',
  },
  LIBVIRT_DOMAIN_NOT_FOUND: { cause: 'The libvirt URI has no domain of that name (it was never defined, or was undefined).', fix: "List the domains with 'virsh -c URI list --all' and use one of their names.", exit: 'input' },
  LIBVIRT_NO_SERIAL_LOG: {
    cause: 'The domain has no serial console written to a log file, so bootmedic cannot read its boot without stealing the console from an operator.',
    fix: "Add a serial console with a log file to the domain ('virsh edit DOMAIN'), the exact XML is in the message, then restart the domain.",
    exit: 'input',
  },
  LIBVIRT_LOG_UNREADABLE: { cause: "The domain's serial log file (written by virtlogd) cannot be read by bootmedic: no permission, or the path is not a regular file.", fix: 'Run bootmedic as root (virtlogd writes the log as root, mode 0600), or point the domain\'s <log file=…/> at a regular file bootmedic can read.', exit: 'input' },
  LIBVIRT_BAD_XML: { cause: 'The domain XML virsh returned (or a metadata element in it) is not what libvirt writes: not XML, no name, or a bootmedic metadata value out of range.', fix: "Check the domain with 'virsh dumpxml DOMAIN'; fix the bootmedic metadata element named in the message.", exit: 'input' },
  LIBVIRT_NOT_OPTED_IN: { cause: 'bootmedic was asked to act on a domain (start, destroy, change) whose owner did not opt it in to healing.', fix: 'Add <bootmedic:heal xmlns:bootmedic="https://bootmedic.dev/xmlns/1">true</bootmedic:heal> to the domain\'s <metadata>, or list the domain in BOOTMEDIC_LIBVIRT_HEAL.', exit: 'input' },
  LIBVIRT_VIRSH_FAILED: { cause: 'virsh answered a command with an error that is neither an unreachable URI nor a missing domain.', fix: "Read virsh's message; run the same virsh command by hand to reproduce.", exit: 'unavailable' },
});
