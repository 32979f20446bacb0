export { sharedDir, sharedPath, skipWithout } from './shared.ts';
