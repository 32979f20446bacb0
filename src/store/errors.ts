import { defineErrors } from '../core/index.ts';

export const storeErrors = defineErrors('store', {
  STORE_OPEN_FAILED: { cause: 'The SQLite database in the data directory cannot be opened: it is not a database, is corrupt, or the directory is not writable.', fix: 'Move the damaged file aside (it is named in the message) and run again; bootmedic creates a new store.', exit: 'unavailable' },
  STORE_SCHEMA_TOO_NEW: { cause: 'The store was written by a newer bootmedic whose schema this version does not know.', fix: 'Run the newer bootmedic, or point --home at another directory.', exit: 'unavailable' },
});
