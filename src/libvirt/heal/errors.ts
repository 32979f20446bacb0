import { defineErrors } from '../../core/index.ts';

/** Error codes of healing through libvirt (src/libvirt/heal/): the libvirt VmBackend and libvirt drills. */
export const libvirtHealErrors = defineErrors('libvirt', {
  LIBVIRT_DISK_FORMAT_UNSUPPORTED: {
    cause: 'A remedy would snapshot, restore or repair a disk of the domain that bootmedic cannot handle: only file-backed qcow2 and raw disks are supported (not vmdk, vdi, qed, block devices or network disks).',
    fix: 'Convert the disk to qcow2 (qemu-img convert -O qcow2 OLD NEW, then point the domain at NEW), or repair this domain by hand.',
    exit: 'input',
  },
  LIBVIRT_CHANGE_UNSUPPORTED: {
    cause: "A remedy asked for a change to a libvirt domain's configuration that bootmedic does not make through libvirt (disks, firmware).",
    fix: "Make the change by hand with 'virsh edit DOMAIN'; the hand-over report names it.",
    exit: 'input',
  },
  LIBVIRT_DRILL_FAILED: {
    cause: 'A libvirt drill could not prepare its domains (the folder for their files, a define or undefine).',
    fix: 'Check that libvirtd runs and that /var/lib/libvirt/images is writable; the message quotes virsh.',
    exit: 'unavailable',
  },
});
