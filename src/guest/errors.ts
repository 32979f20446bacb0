import { defineErrors } from '../core/index.ts';

/** Error codes of guest/: building and locating the guests bootmedic boots. */
export const guestErrors = defineErrors('guest', {
  GUEST_NOT_BUILT: {
    cause: 'A VM asks for a built-in guest that has not been built into the cache yet.',
    fix: "Run 'bootmedic guest build tiny' (or debian) first; scripts/setup.sh does it for you.",
    exit: 'unavailable',
  },
  GUEST_DOWNLOAD_FAILED: {
    cause: 'apt could not resolve or download a Debian package the guest needs.',
    fix: "Check the network and the apt sources (try 'apt-get update'), then build again.",
    exit: 'unavailable',
  },
  GUEST_UNPACK_FAILED: {
    cause: 'A downloaded Debian package could not be unpacked, or lacks a file the guest needs.',
    fix: 'Delete the named .deb from the cache so it is downloaded again, then build again.',
    exit: 'input',
  },
  GUEST_UNKNOWN: {
    cause: 'The guest name is not one bootmedic can build.',
    fix: 'Use one of: tiny, debian.',
    exit: 'input',
  },
});
