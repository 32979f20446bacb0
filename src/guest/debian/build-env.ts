/**
 * The environment of every host tool the image build runs: fixed, so that the build does
 * not depend on the caller's locale or variables (debootstrap and chroot'ed dpkg read them).
 */
export const BUILD_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LC_ALL: 'C.UTF-8',
  LANG: 'C.UTF-8',
  DEBIAN_FRONTEND: 'noninteractive',
  HOME: '/root',
});
