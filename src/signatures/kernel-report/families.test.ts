// One small hand-written report per oops family: the title, guilty frame and corrupted flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitLines } from '../../console/index.ts';
import { parseKernelReport } from './index.ts';

const parse = (log: string) => parseKernelReport(splitLines(log));

// A syscall stack below the guilty frame, shared by several snippets.
const TAIL = [
  ' __sys_sendmsg+0x11d/0x290 net/socket.c:2584',
  ' do_syscall_64+0xf3/0x230 arch/x86/entry/common.c:83',
  ' entry_SYSCALL_64_after_hwframe+0x77/0x7f',
].join('\n');

type Case = { family: string; log: string; title: string; corrupted?: boolean; frame?: string };

const cases: Case[] = [
  {
    family: 'KASAN',
    log: `==================================================================
BUG: KASAN: slab-use-after-free in ip6_send_skb+0x2f5/0x330 net/ipv6/ip6_output.c:1748
Read of size 8 at addr ffff88801fab1858 by task syz-executor0/30168

CPU: 0 PID: 30168 Comm: syz-executor0 Not tainted 6.8.0
Call Trace:
 __dump_stack lib/dump_stack.c:88 [inline]
 dump_stack_lvl+0x1e7/0x2d0 lib/dump_stack.c:106
 print_report+0x169/0x550 mm/kasan/report.c:377
 kasan_report+0x143/0x180 mm/kasan/report.c:601
 ip6_send_skb+0x2f5/0x330 net/ipv6/ip6_output.c:1748
 rawv6_sendmsg+0x2ede/0x4400 net/ipv6/raw.c:932
${TAIL}
`,
    title: 'KASAN: slab-use-after-free Read in ip6_send_skb', frame: 'ip6_send_skb',
  },
  {
    family: 'KMSAN',
    log: `BUG: KMSAN: uninit-value in tipc_nl_compat_doit+0x3aa/0x5c0 net/tipc/netlink_compat.c:335
 tipc_nl_compat_doit+0x3aa/0x5c0 net/tipc/netlink_compat.c:335
 tipc_nl_compat_recv+0x1264/0x2b40 net/tipc/netlink_compat.c:1270
${TAIL}

Uninit was created at:
 slab_post_alloc_hook mm/slub.c:3877 [inline]
 kmalloc_reserve+0x249/0x4a0 net/core/skbuff.c:581
`,
    title: 'KMSAN: uninit-value in tipc_nl_compat_doit',
  },
  {
    family: 'KCSAN',
    log: `==================================================================
BUG: KCSAN: data-race in generic_fillattr / shmem_mknod

write to 0xffff888102ebc9f0 of 8 bytes by task 8372 on cpu 1:
 shmem_mknod+0x117/0x180 mm/shmem.c:3170
`,
    title: 'KCSAN: data-race in generic_fillattr / shmem_mknod',
  },
  {
    family: 'KFENCE',
    log: `==================================================================
BUG: KFENCE: out-of-bounds read in test_out_of_bounds_read+0xa6/0x234

Out-of-bounds read at 0xffffffffb672efff (1B left of kfence-#17):
 test_out_of_bounds_read+0xa6/0x234
 kunit_try_run_case+0x51/0x85
`,
    title: 'KFENCE: out-of-bounds read in test_out_of_bounds_read',
  },
  {
    family: 'paging request (x86)',
    log: `[   42.100000] BUG: unable to handle page fault for address: ffffc90000a3c000
[   42.100001] #PF: supervisor read access in kernel mode
[   42.100002] Oops: 0000 [#1] PREEMPT SMP KASAN
[   42.100003] RIP: 0010:hci_read_supported_codecs+0x2b1/0x620 net/bluetooth/hci_codec.c:188
[   42.100004] Call Trace:
[   42.100005]  hci_init_sync+0x1d8/0x340 net/bluetooth/hci_sync.c:4876
[   42.100006]  kthread+0x2ef/0x390 kernel/kthread.c:388
`,
    title: 'BUG: unable to handle kernel paging request in hci_read_supported_codecs',
  },
  {
    family: 'NULL pointer dereference',
    log: `[    5.000000] BUG: kernel NULL pointer dereference, address: 0000000000000010
[    5.000001] #PF: supervisor read access in kernel mode
[    5.000002] Oops: 0000 [#1] SMP NOPTI
[    5.000003] RIP: 0010:ext4_fill_super+0x10/0x3a0
[    5.000004] Call Trace:
[    5.000005]  mount_bdev+0x1a2/0x1e0
[    5.000006]  legacy_get_tree+0x30/0x50
`,
    title: 'BUG: unable to handle kernel NULL pointer dereference in ext4_fill_super',
  },
  {
    family: 'soft lockup (stall frame)',
    log: `watchdog: BUG: soft lockup - CPU#1 stuck for 123s! [syz-executor.0:5123]
RIP: 0010:__sanitizer_cov_trace_pc+0x4/0x60 kernel/kcov.c:200
Call Trace:
 hash_ipport4_list+0x10/0x40
 ip_set_dump_start+0x20/0x80
 netlink_dump+0x5a/0xc0
 netlink_recvmsg+0x30/0x90
 sock_recvmsg+0x40/0x60
`,
    // The stall extractor keeps the frame just above the first dispatcher (netlink_dump).
    title: 'BUG: soft lockup in ip_set_dump_start',
  },
  {
    family: 'sleeping function called from invalid context',
    log: `BUG: sleeping function called from invalid context at mm/slab.h:494
in_atomic(): 1, irqs_disabled(): 0, pid: 4, name: kworker/0:0
Call Trace:
 __dump_stack lib/dump_stack.c:88 [inline]
 dump_stack_lvl+0x100/0x190 lib/dump_stack.c:106
 __might_resched+0x1a2/0x250 kernel/sched/core.c:10015
 kmem_cache_alloc+0x2a/0x300 mm/slub.c:3446
 tcp_conn_request+0x170/0x2c00 net/ipv4/tcp_input.c:6900
`,
    title: 'BUG: sleeping function called from invalid context in tcp_conn_request',
  },
  {
    family: 'scheduling while atomic',
    log: `BUG: scheduling while atomic: syz-executor/1234/0x00000002
Call Trace:
 dump_stack_lvl+0x100/0x190
 __schedule_bug+0x100/0x120
 __schedule+0x1c0/0x900
 schedule+0x40/0x90
 vhost_worker+0x100/0x200
`,
    title: 'BUG: scheduling while atomic in vhost_worker',
  },
  {
    family: 'spinlock lockup',
    log: `BUG: spinlock lockup suspected on CPU#0, syz-executor/1234
Call Trace:
 dump_stack+0x10/0x20
 do_raw_spin_lock+0x80/0x100
 _raw_spin_lock_irqsave+0x30/0x40
 tty_port_close_start+0x20/0x80
`,
    title: 'BUG: spinlock lockup suspected in tty_port_close_start',
  },
  {
    family: 'bad page state',
    log: `BUG: Bad page state in process syz-executor  pfn:1a2b3
page last allocated via order 0, migratetype Movable, gfp_mask 0x140dca
 post_alloc_hook+0x1f/0x70
 alloc_pages_mpol+0x23/0x50
 shmem_get_folio_gfp+0x100/0x200
 shmem_fault+0x1a0/0x300
Call Trace:
 dump_stack_lvl+0x100/0x190
 bad_page+0x20/0x30
`,
    title: 'BUG: Bad page state in shmem_get_folio_gfp',
  },
  {
    family: 'ODEBUG',
    log: `------------[ cut here ]------------
ODEBUG: free active (active state 0) object: ffff888012345678 object type: timer_list hint: foo_timer+0x0/0x10
WARNING: CPU: 1 PID: 100 at lib/debugobjects.c:514 debug_print_object+0x1a0/0x2a0 lib/debugobjects.c:514
RIP: 0010:debug_print_object+0x1a0/0x2a0 lib/debugobjects.c:514
Call Trace:
 debug_check_no_obj_freed+0x300/0x400 lib/debugobjects.c:1013
 kfree+0x100/0x300 mm/slub.c:4390
 foo_release+0x40/0x60 drivers/foo/foo.c:99
 __fput+0x100/0x300 fs/file_table.c:422
`,
    title: 'WARNING: ODEBUG bug in foo_release',
  },
  {
    family: 'refcount',
    log: `------------[ cut here ]------------
refcount_t: underflow; use-after-free.
WARNING: CPU: 0 PID: 5001 at lib/refcount.c:28 refcount_warn_saturate+0x14a/0x210 lib/refcount.c:28
RIP: 0010:refcount_warn_saturate+0x14a/0x210 lib/refcount.c:28
Call Trace:
 __refcount_sub_and_test include/linux/refcount.h:283 [inline]
 sock_put include/net/sock.h:1900 [inline]
 l2cap_sock_kill+0x10/0x20 net/bluetooth/l2cap_sock.c:1250
 l2cap_sock_release+0x40/0x80 net/bluetooth/l2cap_sock.c:1420
`,
    title: 'WARNING: refcount bug in l2cap_sock_kill',
  },
  {
    family: 'circular locking (lockdep)',
    log: `======================================================
WARNING: possible circular locking dependency detected
6.8.0-syzkaller #0 Not tainted
------------------------------------------------------
syz-executor/5060 is trying to acquire lock:
ffff88802a4e0130 (&mm->mmap_lock){++++}-{3:3}, at: __might_fault+0xa1/0x120 mm/memory.c:5846

but task is already holding lock:
ffff888024a2b0a0 (&pipe->mutex/1){+.+.}-{3:3}, at: pipe_lock fs/pipe.c:92 [inline]
ffff888024a2b0a0 (&pipe->mutex/1){+.+.}-{3:3}, at: pipe_write+0x1c9/0x1a40 fs/pipe.c:446

which lock already depends on the new lock.
`,
    title: 'possible deadlock in pipe_write',
  },
  {
    family: 'suspicious RCU usage',
    log: `=============================
WARNING: suspicious RCU usage
6.8.0 Not tainted
-----------------------------
net/sched/cls_api.c:1234 suspicious rcu_dereference_protected() usage!

other info that might help us debug this:
Call Trace:
 dump_stack_lvl+0x100/0x190
 lockdep_rcu_suspicious+0x200/0x3b0
 tcf_chain_tp_find+0x10/0x40
 tc_new_tfilter+0x100/0x200
`,
    title: 'WARNING: suspicious RCU usage in tcf_chain_tp_find',
  },
  {
    family: 'WARNING in',
    log: `------------[ cut here ]------------
WARNING: CPU: 1 PID: 5104 at fs/ext4/inode.c:3600 ext4_set_page_dirty+0x1a0/0x200 fs/ext4/inode.c:3600
Modules linked in:
RIP: 0010:ext4_set_page_dirty+0x1a0/0x200 fs/ext4/inode.c:3600
Call Trace:
 folio_mark_dirty+0x100/0x200 mm/page-writeback.c:2900
`,
    title: 'WARNING in ext4_set_page_dirty',
  },
  {
    family: 'RCU stall',
    log: `rcu: INFO: rcu_preempt self-detected stall on CPU
rcu: 	0-....: (10500 ticks this GP) idle=e1c/1/0x4000000000000000
Call Trace:
 <IRQ>
 rcu_sched_clock_irq+0x100/0x300
 update_process_times+0x100/0x200
 sysvec_apic_timer_interrupt+0x90/0xb0
 </IRQ>
 <TASK>
 asm_sysvec_apic_timer_interrupt+0x1a/0x20
RIP: 0010:hash_net4_test+0x20/0x90
 ip_set_test+0x100/0x200
 set_match_v4+0x10/0x20
 nft_do_chain+0x100/0x200
 nf_hook_slow+0x10/0x40
 ip_output+0x10/0x90
 ip_send_skb+0x10/0x90
 udp_sendmsg+0x100/0x200
 sock_sendmsg+0x40/0x60
`,
    title: 'INFO: rcu detected stall in udp_sendmsg',
  },
  {
    family: 'task hung',
    log: `INFO: task syz-executor:5123 blocked for more than 143 seconds.
      Not tainted 6.8.0
Call Trace:
 <TASK>
 context_switch kernel/sched/core.c:5376 [inline]
 __schedule+0x100/0x900
 schedule+0x40/0x90
 schedule_preempt_disabled+0x10/0x20
 __mutex_lock+0x100/0x900
 rtnl_lock+0x10/0x20 net/core/rtnetlink.c:79
 tun_chr_close+0x10/0x40
`,
    title: 'INFO: task hung in rtnl_lock',
  },
  {
    family: 'general protection fault',
    log: `general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN
KASAN: null-ptr-deref in range [0x0000000000000008-0x000000000000000f]
RIP: 0010:nfc_llcp_sock_get+0x50/0x120 net/nfc/llcp_core.c:100
Call Trace:
 nfc_llcp_recv+0x100/0x200
`,
    title: 'general protection fault in nfc_llcp_sock_get',
  },
  {
    family: 'Unable to handle kernel (arm64)',
    log: `Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008
Mem abort info:
Internal error: Oops: 0000000096000006 [#1] PREEMPT SMP
pc : binder_alloc_new_buf+0x10/0x400
lr : binder_transaction+0x100/0x2000
Call trace:
 binder_alloc_new_buf+0x10/0x400
 binder_transaction+0x100/0x2000
`,
    title: 'BUG: unable to handle kernel NULL pointer dereference in binder_alloc_new_buf',
  },
  {
    family: 'Kernel panic VFS root mount (no stack)',
    log: `[    1.900000] VFS: Cannot open root device "sda1" or unknown-block(0,0): error -6
[    1.900001] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)
[    1.900002] CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0 #1
[    1.900003] Call Trace:
[    1.900004]  <TASK>
[    1.900005]  dump_stack_lvl+0x44/0x5c
[    1.900006]  panic+0x118/0x2ed
[    1.900007]  mount_block_root+0x1d3/0x1e6
`,
    title: 'kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)',
  },
  {
    family: 'Kernel panic Attempted to kill init',
    log: `[    2.000000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100
[    2.000001] CPU: 0 PID: 1 Comm: init Not tainted 6.1.0 #1
`,
    // No stack trace in the report: syzkaller counts that as corrupted.
    title: 'kernel panic: Attempted to kill init!', corrupted: true,
  },
  {
    family: 'Kernel panic Fatal exception (header lost)',
    log: `[    3.000000] Kernel panic - not syncing: Fatal exception
`,
    title: 'kernel panic: Fatal exception', corrupted: true,
  },
  {
    family: 'stack-protector',
    log: `Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: sctp_sf_do_5_1D_ce+0x1234/0x1240
`,
    title: 'kernel panic: stack is corrupted in sctp_sf_do_5_1D_ce',
  },
  {
    family: 'kernel BUG at',
    log: `------------[ cut here ]------------
kernel BUG at fs/ext4/inline.c:1234!
invalid opcode: 0000 [#1] PREEMPT SMP KASAN
RIP: 0010:ext4_write_inline_data+0x300/0x400 fs/ext4/inline.c:1234
Call Trace:
 ext4_write_inline_data_end+0x100/0x200
`,
    title: 'kernel BUG in ext4_write_inline_data',
  },
  {
    family: 'list corruption',
    log: `list_del corruption. prev->next should be ffff88801234abcd, but was dead000000000100
------------[ cut here ]------------
kernel BUG at lib/list_debug.c:62!
RIP: 0010:__list_del_entry_valid_or_report+0x10/0x100 lib/list_debug.c:62
Call Trace:
 __list_del_entry include/linux/list.h:215 [inline]
 list_del include/linux/list.h:229 [inline]
 bond_release_and_destroy+0x30/0x90 drivers/net/bonding/bond_main.c:2500
`,
    title: 'BUG: corrupted list in bond_release_and_destroy',
  },
  {
    family: 'double fault',
    log: `PANIC: double fault, error_code: 0x0
CPU: 0 PID: 1 Comm: syz-executor Not tainted 6.8.0
RIP: 0010:vmx_vcpu_run+0x10/0x300
`,
    title: 'PANIC: double fault in vmx_vcpu_run',
  },
  {
    family: 'divide error',
    log: `divide error: 0000 [#1] PREEMPT SMP KASAN
CPU: 1 PID: 5 Comm: syz Not tainted 6.8.0
RIP: 0010:tcp_rack_detect_loss+0x10/0x90 net/ipv4/tcp_recovery.c:30
`,
    title: 'divide error in tcp_rack_detect_loss',
  },
  {
    family: 'invalid opcode',
    log: `invalid opcode: 0000 [#1] SMP
RIP: 0010:do_basic_setup+0x5/0x20
`,
    title: 'invalid opcode in do_basic_setup',
  },
  {
    family: 'UBSAN',
    log: `================================================================================
UBSAN: shift-out-of-bounds in net/ipv4/tcp_output.c:100:20
shift exponent 64 is too large for 64-bit type 'long unsigned int'
Call Trace:
 dump_stack_lvl+0x100/0x190
 ubsan_epilogue+0x10/0x40
 __ubsan_handle_shift_out_of_bounds+0x100/0x200
 tcp_set_rto+0x10/0x90 net/ipv4/tcp_output.c:100
`,
    title: 'UBSAN: shift-out-of-bounds in tcp_set_rto',
  },
  {
    family: 'memory leak',
    log: `BUG: memory leak
unreferenced object 0xffff888109e1c800 (size 1024):
  comm "syz-executor", pid 5000, jiffies 4294945000
  backtrace (crc 1f2e3d4c):
    [<ffffffff8166b0b5>] kmemleak_alloc_recursive include/linux/kmemleak.h:42 [inline]
    [<ffffffff8166b0b5>] slab_post_alloc_hook mm/slub.c:3800 [inline]
    [<ffffffff8166b0b5>] __kmalloc+0x300/0x400 mm/slub.c:3990
    [<ffffffff83abc123>] nf_tables_newset+0x100/0x200 net/netfilter/nf_tables_api.c:5100
`,
    title: 'memory leak in nf_tables_newset',
  },
];

for (const c of cases) {
  test(`family: ${c.family}`, () => {
    const r = parse(c.log);
    assert.ok(r !== undefined, 'a crash is found');
    assert.equal(r.title, c.title);
    if (c.corrupted !== undefined) assert.equal(r.corrupted, c.corrupted, r.corruptedReason);
    if (c.frame !== undefined) assert.equal(r.frame, c.frame);
  });
}
