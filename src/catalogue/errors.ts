import { defineErrors } from '../core/index.ts';

export const catalogueErrors = defineErrors('catalogue', {
  CATALOGUE_IMAGE_UNKNOWN: { cause: 'No catalogued image has this id or name.', fix: 'Run `bootmedic image list` to see the catalogued ids and names.', exit: 'input' },
  CATALOGUE_BAD_NAME: { cause: 'An image name or version has characters the catalogue does not accept.', fix: 'Use lower-case letters, digits, ".", "_" and "-" for the name, and letters, digits, ".", "_", "+" and "-" for the version.', exit: 'input' },
  CATALOGUE_DUPLICATE: { cause: 'An image with the same contents (SHA-256) or the same name and version is already catalogued.', fix: 'Use the existing entry, or give another --version.', exit: 'input' },
  CATALOGUE_BAD_TRANSITION: { cause: 'The image is not in a state that allows this step (candidate → tested → golden; retired is final).', fix: 'Promote in order (tested before golden); a retired image stays retired: add a new version.', exit: 'input' },
  CATALOGUE_IMAGE_CHANGED: { cause: 'The image file no longer has the SHA-256 recorded when it was catalogued.', fix: 'Add the changed file as a new version (`bootmedic image add`), or restore the catalogued file.', exit: 'input' },
  CATALOGUE_VM_MISMATCH: { cause: "The VM file given for the boot test does not boot this image (none of its disks is the image's path).", fix: 'Give a VM file whose disks list the image path (`disks: [{path: <image>, format: raw}]`).', exit: 'input' },
  CATALOGUE_BOOT_TEST_FAILED: { cause: 'The boot test of the image did not reach ready, so the image was not promoted.', fix: 'Look at the boot outcome (`bootmedic image inspect` the image, read the console log named in the message) and fix the image.', exit: 'input' },
  CATALOGUE_KEY_INVALID: { cause: 'The image-signing key file cannot be read as an Ed25519 private key (PEM PKCS#8).', fix: 'Point --key at an Ed25519 PEM private key, or move the damaged file aside so a new key is generated.', exit: 'input' },
  CATALOGUE_IMAGE_REFUSED: { cause: 'The VM requires signed images (requireSignedImages: true) and one of its disks is not a validly signed, non-retired catalogued image.', fix: 'Catalogue and sign the image (`bootmedic image add`, `bootmedic image sign`), or boot the catalogued file unchanged.', exit: 'input' },
});
