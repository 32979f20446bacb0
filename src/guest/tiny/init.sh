#!/bin/busybox sh
# /init of bootmedic's tiny guest (busybox ash). It mounts the pseudo filesystems, loads
# the modules listed in /etc/tiny-modules, prints "tiny-init:" progress lines and the
# ready marker, then powers off or idles. Kernel command-line switches:
#   bootmedic.after=poweroff|idle|reboot   what to do once ready (default poweroff)
#   bootmedic.fault=<name>          misbehave on purpose: panic hang kill-init shell oom bootloop slow leak
#   bootmedic.slow=<seconds>        pause between phases for the slow fault (default 5)
#   bootmedic.leak=<KiB per second> memory the leak fault takes (default 2048)
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin /root
/bin/busybox --install -s
export PATH=/sbin:/usr/sbin:/bin:/usr/bin HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

say() { echo "tiny-init: $*"; }
# The last occurrence wins, so a switch appended to the default command line overrides it.
arg() {
  v=
  for w in $(cat /proc/cmdline); do
    case "$w" in "$1="*) v="${w#*=}" ;; esac
  done
  echo "$v"
}
idle() { while :; do sleep 3600; done; }

fault=$(arg bootmedic.fault)
after=$(arg bootmedic.after)
slow=$(arg bootmedic.slow)
read up _ < /proc/uptime

# A hang stays silent from the first instruction of userspace on.
[ "$fault" = hang ] && idle

say "reached userspace, uptime ${up}s"
phase() {
  say "$1"
  [ "$fault" = slow ] && sleep "${slow:-5}"
  return 0
}
phase "mounted /proc /sys /dev"

for m in $(cat /etc/tiny-modules); do
  insmod "/lib/modules/$m.ko" 2>/dev/null || say "module $m not loaded"
done
phase "modules loaded"

case "$fault" in
  '' | slow) ;;
  panic)
    say "fault panic: crashing the kernel through sysrq"
    echo 1 > /proc/sys/kernel/sysrq
    echo c > /proc/sysrq-trigger
    idle
    ;;
  kill-init)
    say "fault kill-init: init exits"
    exit 1
    ;;
  shell)
    # The text initramfs-tools prints when it cannot find the root device.
    echo "Gave up waiting for root file system device.  Common problems:"
    echo " - Boot args (cat /proc/cmdline)"
    echo " - Missing modules (cat /proc/modules; ls /dev)"
    echo "ALERT!  /dev/vda1 does not exist.  Dropping to a shell!"
    echo
    PS1='(initramfs) ' sh -i </dev/console >/dev/console 2>&1
    idle
    ;;
  oom)
    # Every process is made unkillable, so the OOM killer finds nothing to kill and the
    # kernel panics, as a real boot does when memory runs out before userspace is up.
    say "fault oom: eating memory"
    echo -1000 > /proc/self/oom_score_adj
    while :; do
      dd if=/dev/zero bs=16M count=1 2>/dev/null | sleep 100000 &
      sleep 0.1
    done
    ;;
  leak)
    # Memory leaks at a set rate while the guest otherwise boots and runs: a background
    # loop appends zeros to a file in a tmpfs as large as RAM (tmpfs pages cannot be
    # reclaimed or swapped here), paced by /proc/uptime so the rate holds however slowly
    # the loop runs. Uptime has two decimals; "1${u#*.} - 100" reads them without octal.
    rate=$(arg bootmedic.leak)
    case "$rate" in '' | *[!0-9]*) rate=2048 ;; esac
    mkdir -p /leak
    mount -t tmpfs -o size=100% leak /leak
    say "fault leak: taking ${rate} KiB/s of memory into /leak/hog"
    (
      cs() { read u _ < /proc/uptime; echo $(( ${u%.*} * 100 + 1${u#*.} - 100 )); }
      t0=$(cs)
      kib=0
      while :; do
        n=$(( (($(cs) - t0) * rate / 100 - kib) / 64 ))
        if [ "$n" -gt 0 ]; then
          dd if=/dev/zero bs=65536 count="$n" 2>/dev/null >> /leak/hog || break
          kib=$(( kib + n * 64 ))
        fi
        sleep 0.25
      done
      say "fault leak: no more memory after ${kib} KiB"
      idle
    ) &
    ;;
  bootloop)
    say "fault bootloop: rebooting before ready"
    reboot -f
    idle
    ;;
  *)
    say "unknown fault '$fault' ignored"
    ;;
esac

phase "services started"
echo "bootmedic-ready"
case "$after" in
  idle) say "idling"; idle ;;
  reboot) say "rebooting in 2 s"; sleep 2; reboot -f ;;
  *) say "powering off"; poweroff -f ;;
esac
idle
