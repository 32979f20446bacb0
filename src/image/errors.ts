import { defineErrors } from '../core/index.ts';

/** The image part's error catalogue: inspection parsers and repairs throw only these. */
export const imageErrors = defineErrors('image', {
  IMAGE_NOT_FOUND: { cause: 'The disk image file does not exist or cannot be read.', fix: 'Check the path to the disk image.', exit: 'input' },
  IMAGE_TRUNCATED: { cause: 'A structure in the image points past the end of the image or of its container.', fix: 'The image is damaged; run `bootmedic image repair` with --from <golden>, or restore it from a backup.', exit: 'input' },
  IMAGE_BAD_QCOW2: { cause: 'The qcow2 header or one of its tables is malformed.', fix: 'Run `qemu-img check -r all` on the image, or restore it from a backup.', exit: 'input' },
  IMAGE_QCOW2_UNSUPPORTED: { cause: 'The qcow2 image uses a feature bootmedic does not read (encryption, an external data file, extended L2 entries).', fix: 'Convert it with `qemu-img convert -O qcow2` (or -O raw) and inspect the copy.', exit: 'input' },
  IMAGE_BACKING_LOOP: { cause: 'The qcow2 backing chain refers back to itself or is deeper than 16 images.', fix: 'Fix the chain with `qemu-img rebase`.', exit: 'input' },
  IMAGE_BAD_GPT: { cause: 'The GUID partition table cannot be decoded.', fix: 'Run `bootmedic image repair`, which rewrites the primary GPT from the backup.', exit: 'input' },
  IMAGE_BAD_FAT: { cause: 'The FAT filesystem (the ESP) cannot be decoded.', fix: 'Run `bootmedic image repair <disk> --from <golden>` to restore the ESP.', exit: 'input' },
  IMAGE_FAT_NOT_FOUND: { cause: 'A file or directory asked for is not on the FAT filesystem.', fix: 'Check the path; `bootmedic image inspect` lists what the ESP holds.', exit: 'input' },
  IMAGE_BAD_EXT4: { cause: 'The ext4 superblock cannot be decoded.', fix: 'Run `bootmedic image repair`, which runs e2fsck on the root.', exit: 'input' },
  IMAGE_BAD_INITRD: { cause: 'The initrd does not decompress or is not a cpio archive.', fix: 'Restore the initrd with `bootmedic image repair <disk> --from <golden>`.', exit: 'input' },
  IMAGE_TOOL_FAILED: { cause: 'An external tool (qemu-img, debugfs, e2fsck, mtools) failed or is missing.', fix: 'Install qemu-utils, e2fsprogs and mtools; the message gives the tool and its output.', exit: 'unavailable' },
  IMAGE_REPAIR_FAILED: { cause: 'A repair could not be carried out; the forensic snapshot taken before it is kept.', fix: 'Read the message; restore from the forensic snapshot named in it if needed.', exit: 'input' },
  IMAGE_NO_GOLDEN: { cause: 'The repair needs a known-good (golden) image to copy from.', fix: 'Pass --from <golden image>.', exit: 'input' },
});

/** Error codes of the image part. */
export type ImageErrorCode = keyof typeof imageErrors.catalogue.codes;
