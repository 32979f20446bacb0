// The metrics vocabulary, declared once: every name bootmedic exports, its type, its help
// text and the labels it may carry. Collectors, the renderer and the history all refer to
// these names, so a name cannot drift between them. Labels are bounded: a host metric
// carries at most a small fixed set (resource, device, state); a VM metric carries `vm`
// and, for block devices, `device`, and the number of VMs is bounded by the caller.

/** How Prometheus should read a metric. */
export type MetricType = 'gauge' | 'counter';

/** One declared metric. */
export type MetricSpec = Readonly<{ type: MetricType; help: string; labels: readonly string[] }>;

const g = (help: string, ...labels: string[]): MetricSpec => ({ type: 'gauge', help, labels });
const c = (help: string, ...labels: string[]): MetricSpec => ({ type: 'counter', help, labels });

/** Every metric bootmedic exports, by its stable name. */
export const METRICS = {
  bootmedic_host_psi_some_ratio: g('Share of the last 10 s in which some task stalled on the resource (PSI avg10 / 100).', 'resource'),
  bootmedic_host_psi_full_ratio: g('Share of the last 10 s in which all non-idle tasks stalled on the resource (PSI avg10 / 100).', 'resource'),
  bootmedic_host_psi_some_stall_seconds_total: c('Total time some task stalled on the resource (PSI total).', 'resource'),
  bootmedic_host_psi_full_stall_seconds_total: c('Total time all non-idle tasks stalled on the resource (PSI total).', 'resource'),
  bootmedic_host_page_faults_per_second: g('Page faults per second over the last collection interval (/proc/vmstat pgfault).'),
  bootmedic_host_major_page_faults_per_second: g('Major page faults per second over the last collection interval (/proc/vmstat pgmajfault).'),
  bootmedic_host_memory_available_bytes: g('Memory available for new work without swapping (/proc/meminfo MemAvailable).'),
  bootmedic_host_swap_total_bytes: g('Swap space configured (/proc/meminfo SwapTotal).'),
  bootmedic_host_swap_free_bytes: g('Swap space unused (/proc/meminfo SwapFree).'),
  bootmedic_host_load1: g('Run-queue load average over 1 minute (/proc/loadavg).'),
  bootmedic_host_load5: g('Run-queue load average over 5 minutes (/proc/loadavg).'),
  bootmedic_host_load15: g('Run-queue load average over 15 minutes (/proc/loadavg).'),
  bootmedic_host_cpu_steal_ratio: g('Share of CPU time stolen by the hypervisor under this host over the last interval (/proc/stat steal).'),
  bootmedic_host_edac_corrected_errors_total: c('Corrected memory errors counted by EDAC, per memory controller.', 'controller'),
  bootmedic_host_edac_uncorrected_errors_total: c('Uncorrected memory errors counted by EDAC, per memory controller.', 'controller'),
  bootmedic_host_smart_healthy: g('1 when smartctl reports the disk passed its SMART self-assessment, else 0.', 'device'),
  bootmedic_host_smart_media_errors_total: c('Media and data-integrity errors the disk reports (NVMe media_errors, ATA reallocated sectors).', 'device'),
  bootmedic_host_smart_error_log_entries_total: c('Entries in the disk error log (NVMe num_err_log_entries, ATA error count).', 'device'),
  bootmedic_host_tcp_syn_recv: g('TCP connections half-open in SYN_RECV (/proc/net/tcp and tcp6).'),
  bootmedic_host_sched_run_seconds_total: c('Time CPUs spent running tasks (/proc/schedstat, summed over CPUs).'),
  bootmedic_host_sched_wait_seconds_total: c('Time runnable tasks waited on a run queue (/proc/schedstat, summed over CPUs).'),
  bootmedic_host_kvm_stat: g('A KVM statistic from debugfs (/sys/kernel/debug/kvm), by name.', 'stat'),
  bootmedic_host_collector_available: g('1 when the collector found its source on this host, 0 when it is not available.', 'collector'),
  bootmedic_vm_block_read_bytes_total: c('Bytes read by the guest from a block device (query-blockstats rd_bytes).', 'vm', 'device'),
  bootmedic_vm_block_write_bytes_total: c('Bytes written by the guest to a block device (query-blockstats wr_bytes).', 'vm', 'device'),
  bootmedic_vm_block_read_ops_total: c('Read operations (query-blockstats rd_operations).', 'vm', 'device'),
  bootmedic_vm_block_write_ops_total: c('Write operations (query-blockstats wr_operations).', 'vm', 'device'),
  bootmedic_vm_block_failed_ops_total: c('Failed read, write and flush operations (query-blockstats failed_*_operations).', 'vm', 'device'),
  bootmedic_vm_balloon_actual_bytes: g('Memory the balloon leaves to the guest (query-balloon actual).', 'vm'),
  bootmedic_vm_guest_free_memory_bytes: g("The guest's free memory, from balloon statistics polling (guest-stats stat-free-memory).", 'vm'),
  bootmedic_vm_vcpus: g('Virtual CPUs the VM has (query-cpus-fast).', 'vm'),
  bootmedic_vm_qemu_rss_bytes: g("Resident memory of the VM's QEMU process (/proc/<pid>/status VmRSS).", 'vm'),
  bootmedic_vm_qemu_cpu_seconds_total: c("CPU time (user + system) of the VM's QEMU process (/proc/<pid>/stat).", 'vm'),
} as const satisfies Record<string, MetricSpec>;

/** A declared metric name. */
export type MetricName = keyof typeof METRICS;

/** One observed value of a metric, with its labels. */
export type Sample = Readonly<{ name: MetricName; value: number; labels?: Readonly<Record<string, string>> }>;
