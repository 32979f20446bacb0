import { defineErrors } from '../../core/index.ts';

/** Error codes of the Debian guest builder (guest/debian/). */
export const debianErrors = defineErrors('guest-debian', {
  GUEST_DEBIAN_TOOL_MISSING: {
    cause: 'A host tool the Debian image build needs is not installed.',
    fix: 'Install it (apt-get install debootstrap e2fsprogs dosfstools mtools fdisk), or run scripts/setup.sh.',
    exit: 'unavailable',
  },
  GUEST_DEBIAN_NEEDS_ROOT: {
    cause: 'debootstrap and chroot need root to create device nodes and file ownership in the guest tree.',
    fix: 'Run `bootmedic guest build debian` as root (sudo), once; the result is cached for every user of the cache.',
    exit: 'unavailable',
  },
  GUEST_DEBIAN_BAD_RECIPE: {
    cause: 'The Debian guest recipe (src/guest/debian/recipe.json) is not valid.',
    fix: 'Restore recipe.json from git, or fix the field named in the message.',
    exit: 'input',
  },
  GUEST_DEBIAN_BAD_ROOTFS: {
    cause: 'The debootstrapped tree lacks a kernel or an initramfs, or does not fit the root partition.',
    fix: 'Delete the cached rootfs named in the message so it is debootstrapped again; raise rootMiB in the recipe if it does not fit.',
    exit: 'input',
  },
  GUEST_DEBIAN_MOUNTS_LEFT: {
    cause: 'An interrupted debootstrap left /proc or /sys mounted inside its work directory, so it cannot be deleted safely.',
    fix: 'Unmount the listed mount points (umount -l <path>) and delete the directory, then build again.',
    exit: 'unavailable',
  },
  GUEST_DEBIAN_NOT_BUILT: {
    cause: 'The Debian guest image for the current recipe is not in the cache.',
    fix: "Run 'bootmedic guest build debian' first (a few minutes, once).",
    exit: 'unavailable',
  },
  GUEST_DEBIAN_ABORTED: {
    cause: 'The build was interrupted (Ctrl-C or a signal); nothing half-built was kept.',
    fix: 'Run the build again; finished stages are reused from the cache.',
    exit: 'interrupted',
  },
});
