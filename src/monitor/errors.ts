// Error codes of monitor/: metrics, anomaly detection and its benchmark.
import { defineErrors } from '../core/index.ts';

/** Errors raised by src/monitor. */
export const monitorErrors = defineErrors('monitor', {
  MONITOR_NAB_BAD_FOLDER: {
    cause: 'The folder given to the NAB evaluation cannot be read, or has no data/<group>/*.csv series.',
    exit: 'input',
    fix: 'Pass the root of a NAB copy (it holds data/ and labels/combined_windows.json), e.g. ../shared/corpus/nab.',
  },
  MONITOR_NAB_BAD_CSV: {
    cause: 'A NAB series file is not a CSV with the header timestamp,value, one "YYYY-MM-DD HH:MM:SS,<number>" row per line.',
    exit: 'input',
    fix: 'Restore the file named in the message from the NAB release (data/<group>/<file>.csv), or remove it from the folder.',
  },
  MONITOR_NAB_BAD_OUT: {
    cause: 'The results folder given with --out cannot be created or written.',
    exit: 'input',
    fix: 'Pass --out a folder you can write to (it is created if missing).',
  },
  MONITOR_NAB_BAD_LABELS: {
    cause: 'labels/combined_windows.json is missing, is not valid JSON, has no entry for a series, or names a window edge that is not a timestamp of that series.',
    exit: 'input',
    fix: 'Restore labels/combined_windows.json from the same NAB release as the data files.',
  },
  MONITOR_COLLECT_BAD_TEXT: {
    cause: 'A kernel interface file (/proc/pressure/*, /proc/vmstat, /proc/meminfo, /proc/stat, /proc/net/tcp, /proc/schedstat, /proc/<pid>/stat, ...) or smartctl --json output does not have the shape the collector reads.',
    exit: 'input',
    fix: 'The message names the file and the line; report it with the kernel version (uname -r). The other collectors keep working.',
  },
  MONITOR_COLLECT_BAD_QMP: {
    cause: 'A QMP reply to query-blockstats, query-cpus-fast, query-balloon or qom-get guest-stats does not have the shape the QMP reference documents.',
    exit: 'input',
    fix: 'Check the QEMU version the VM runs (the QMP greeting names it); the message quotes the command and the field.',
  },
  MONITOR_METRIC_BAD_LABELS: {
    cause: 'A metric sample carries labels other than those declared for its name, or a label value that is empty or longer than 128 characters (a VM or device name).',
    exit: 'input',
    fix: 'Give the VM a shorter name (1 to 128 characters); other cases are a bug in bootmedic, report them.',
  },
  MONITOR_FORECAST_BAD_PARAMS: {
    cause: 'A forecast or warning parameter is out of range: a limit that is not a number, a bucket width or horizon that is not a positive duration, a window of fewer than 4 or more than 1024 buckets.',
    exit: 'input',
    fix: 'Use the value the message names as allowed, or leave the parameter out to take its default (1-hour buckets, 48 of them, a 48-hour horizon).',
  },
  MONITOR_SOURCE_UNREADABLE: {
    cause: 'A forecast source cannot be read: /proc/meminfo has no MemAvailable line, or the path whose free space is watched (a folder, or a disk image\'s) does not exist or cannot be statfs-ed.',
    exit: 'input',
    fix: 'Watch a path that exists and that you can read (for an image, the qcow2 file itself); on a kernel older than 3.14, which has no MemAvailable, host memory cannot be forecast.',
  },
  MONITOR_BALLOON_UNAVAILABLE: {
    cause: "The VM's guest memory cannot be read over QMP: it has no balloon device (QOM path /machine/peripheral/balloon0), or the guest has not reported its memory statistics yet (its virtio_balloon driver is not loaded).",
    exit: 'unavailable',
    fix: 'Boot the VM with balloon: true (it adds -device virtio-balloon-pci,id=balloon0) and a guest kernel that loads virtio_balloon; statistics arrive one polling interval after the driver is up.',
  },
});
