// SMART health from smartctl's JSON output (smartmontools 7, `smartctl --json`). Only the
// fields that exist for both ATA and NVMe disks are read: the overall self-assessment, the
// media errors and the error-log size.
import { monitorErrors } from '../errors.ts';

/** What one disk reports. */
export type SmartHealth = Readonly<{ device: string; passed: boolean; mediaErrors?: number; errorLogEntries?: number }>;

const bad = (what: string) => monitorErrors.make('MONITOR_COLLECT_BAD_TEXT', `smartctl --json: ${what}`);

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

/** The device names `smartctl --scan --json` lists. */
export function parseSmartScan(text: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad('--scan output is not JSON');
  }
  const devices = obj(doc)?.['devices'];
  if (devices === undefined) return [];
  if (!Array.isArray(devices)) throw bad('--scan "devices" is not a list');
  return devices.map((d) => obj(d)?.['name']).filter((n): n is string => typeof n === 'string');
}

/** Parses `smartctl --json -H -A -l error <device>`; undefined when the disk gave no self-assessment (no SMART). */
export function parseSmartHealth(device: string, text: string): SmartHealth | undefined {
  let doc: Record<string, unknown> | undefined;
  try {
    doc = obj(JSON.parse(text));
  } catch {
    throw bad(`output for ${device} is not JSON`);
  }
  if (!doc) throw bad(`output for ${device} is not a JSON object`);
  const passed = obj(doc['smart_status'])?.['passed'];
  if (typeof passed !== 'boolean') return undefined;
  const nvme = obj(doc['nvme_smart_health_information_log']);
  // ATA: attribute 5 (Reallocated_Sector_Ct) raw value stands for media errors.
  const ataTable = obj(doc['ata_smart_attributes'])?.['table'];
  const realloc = Array.isArray(ataTable) ? obj(obj(ataTable.find((a) => obj(a)?.['id'] === 5))?.['raw'])?.['value'] : undefined;
  const mediaErrors = count(nvme?.['media_errors']) ?? count(realloc);
  const errorLogEntries = count(nvme?.['num_err_log_entries']) ?? count(obj(obj(doc['ata_smart_error_log'])?.['summary'])?.['count']);
  return { device, passed, ...(mediaErrors !== undefined ? { mediaErrors } : {}), ...(errorLogEntries !== undefined ? { errorLogEntries } : {}) };
}
