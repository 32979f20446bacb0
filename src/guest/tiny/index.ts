export { buildTinyGuest, ensureTinyGuest, resolveTinyGuest, TINY_CMDLINE } from './build.ts';
export type { TinyGuest } from './build.ts';
export { writeCpio, writeCpioGz, readCpio } from './cpio.ts';
export type { CpioEntry } from './cpio.ts';
