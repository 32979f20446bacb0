// One VM is driven by one bootmedic at a time. The lock is an SQLite write transaction
// (BEGIN IMMEDIATE) held open on <home>/vms/<vm>/lock.db for as long as the driver runs.
// SQLite takes it as a POSIX advisory lock (fcntl) on the file, which the kernel drops when
// the holding process ends however it ends, kill -9 included: no stale lock is ever left
// to judge, and no pid can be mistaken for a reused one. SQLite also refuses a second
// connection of the same process, so two drivers inside one process are refused too.
// Who holds the lock is written beside it (lock.json) for the error message only; the
// lock itself never depends on that file.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { processAlive, writeFileAtomic } from '../core/index.ts';
import { supervisorErrors } from './errors.ts';

/** A held lock on one VM's state folder; release() is idempotent. */
export type VmLock = Readonly<{
  vm: string;
  /** The VM's state folder (<home>/vms/<vm>). */
  dir: string;
  held: () => boolean;
  /** Marks the VM as driven by one supervision of this process; SUPERVISOR_VM_BUSY while another is. Returns the way out. */
  enter: () => () => void;
  release: () => void;
}>;

/** Who holds a VM (lock.json): shown in the busy error. */
export type LockHolder = Readonly<{ pid: number; since: string; command: string }>;

/**
 * The connections of the locks this process holds. A DatabaseSync that nothing references
 * is closed by the garbage collector, which would drop the lock silently; this keeps each
 * one reachable until release().
 */
const HELD = new Set<DatabaseSync>();

/** SQLITE_BUSY: the lock is held by another connection. */
const SQLITE_BUSY = 5;

/** The VM's state folder under a home. */
export const vmDirOf = (home: string, vm: string) => join(home, 'vms', vm);


function readHolder(dir: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(join(dir, 'lock.json'), 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && processAlive(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock on VM `vm` under `home`, or throws SUPERVISOR_VM_BUSY naming the holder.
 * @example
 * const lock = lockVm(app.home, spec.name);
 * try { ... drive the VM ... } finally { lock.release(); }
 */
export function lockVm(home: string, vm: string, command = process.argv.slice(1).join(' ')): VmLock {
  const dir = vmDirOf(home, vm);
  let db: DatabaseSync;
  try {
    mkdirSync(dir, { recursive: true });
    db = new DatabaseSync(join(dir, 'lock.db'), { timeout: 0 });
  } catch (cause) {
    throw supervisorErrors.make('SUPERVISOR_LOCK_FAILED', `VM ${vm}: cannot open its lock ${join(dir, 'lock.db')}: ${(cause as Error).message}`, { cause });
  }
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (cause) {
    db.close();
    if ((cause as { errcode?: number }).errcode !== SQLITE_BUSY) {
      throw supervisorErrors.make('SUPERVISOR_LOCK_FAILED', `VM ${vm}: cannot take its lock ${join(dir, 'lock.db')}: ${(cause as Error).message}`, { cause });
    }
    const h = readHolder(dir);
    const who = h === undefined ? 'another bootmedic (starting; its pid is not recorded yet)' : `another bootmedic (pid ${h.pid}${h.pid === process.pid ? ', this process' : ''}, since ${h.since}: ${h.command})`;
    throw supervisorErrors.make('SUPERVISOR_VM_BUSY', `busy: VM ${vm} is driven by ${who}`, {
      details: { vm, ...(h !== undefined ? { pid: h.pid } : {}) },
      ...(h !== undefined && h.pid !== process.pid ? { fix: `Wait for bootmedic pid ${h.pid} to finish, or stop it (kill ${h.pid}); then run the command again.` } : {}),
    });
  }
  writeFileAtomic(join(dir, 'lock.json'), `${JSON.stringify({ pid: process.pid, since: new Date().toISOString(), command } satisfies LockHolder)}\n`, { sync: false });
  HELD.add(db);
  let held = true;
  let driving = false;
  return {
    vm,
    dir,
    held: () => held,
    enter() {
      if (driving) throw supervisorErrors.make('SUPERVISOR_VM_BUSY', `busy: VM ${vm} is already driven by another supervision in this bootmedic (pid ${process.pid})`);
      driving = true;
      return () => (driving = false);
    },
    release() {
      if (!held) return;
      held = false;
      HELD.delete(db);
      try {
        db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    },
  };
}
