import { defineErrors } from '../core/index.ts';

/** Error codes of hypervisor/: QEMU, QMP, qemu-img and the accelerator, turned into typed errors here. */
export const hvErrors = defineErrors('hypervisor', {
  HV_QEMU_MISSING: { cause: 'qemu-system-x86_64 (or qemu-img) is not installed.', fix: 'Run scripts/setup.sh, or apt-get install qemu-system-x86 qemu-utils.', exit: 'unavailable' },
  HV_KERNEL_MISSING: { cause: 'The kernel file named by the VM (or its guest) does not exist.', fix: "Fix the VM's kernel path, or run 'bootmedic guest build tiny'.", exit: 'input' },
  HV_INITRD_MISSING: { cause: 'The initrd file named by the VM (or its guest) does not exist.', fix: "Fix the VM's initrd path, or set 'initrd: none'.", exit: 'input' },
  HV_DISK_MISSING: { cause: 'A disk image named by the VM does not exist.', fix: "Fix the disk path in the VM file, or build the image ('bootmedic guest build debian').", exit: 'input' },
  HV_FIRMWARE_MISSING: { cause: 'A UEFI firmware file the VM names (firmwareCode or firmwareVars) does not exist.', fix: 'Fix firmwareCode/firmwareVars in the VM file, or remove them to use the installed OVMF.', exit: 'input' },
  HV_OVMF_MISSING: { cause: 'The UEFI firmware (OVMF) files are not installed on the host.', fix: 'apt-get install ovmf, or set firmwareCode/firmwareVars in the VM file.', exit: 'unavailable' },
  HV_QEMU_BAD_ARG: { cause: 'QEMU refused its command line (often an extra argument in qemuArgs).', fix: "Fix or remove the named argument in the VM's qemuArgs.", exit: 'input' },
  HV_QEMU_FILE: { cause: 'QEMU could not open a file it was given (kernel, initrd, disk, firmware).', fix: 'Check that the named file exists and is readable.', exit: 'input' },
  HV_KVM_FAILED: { cause: 'QEMU could not use KVM (no /dev/kvm, no permission, or KVM failed).', fix: "Use 'accel: tcg' or 'accel: auto' in the VM file, or fix KVM on the host.", exit: 'unavailable' },
  HV_QEMU_EXITED: { cause: 'QEMU exited with an error before or while the guest ran.', fix: "Read QEMU's message; run the same argv by hand to reproduce.", exit: 'unavailable' },
  HV_QEMU_CRASHED: { cause: 'QEMU was killed by a signal that bootmedic did not send.', fix: 'Check the host (OOM killer, dmesg) and boot again.', exit: 'unavailable' },
  HV_QMP_TIMEOUT: { cause: "QEMU's QMP socket did not greet or answer in time.", fix: 'The host may be overloaded; boot again, or raise the QMP timeout.', exit: 'unavailable' },
  HV_QMP_ERROR: { cause: 'QEMU answered a QMP command with an error.', fix: 'Check the command and its arguments against the QMP reference for this QEMU version.', exit: 'unavailable' },
  HV_QMP_CONNECT: { cause: 'The QMP socket could not be connected to (no such socket, or nobody listening).', fix: 'Check that QEMU is running with -qmp on that socket.', exit: 'unavailable' },
  HV_QMP_CLOSED: { cause: 'The QMP connection closed (QEMU exited) before the command was answered.', fix: 'See the exit reason of the boot.', exit: 'unavailable' },
  HV_QMP_PROTOCOL: { cause: 'The QMP peer sent something that is not QMP (bad greeting, not JSON, or an endless line).', fix: 'Make sure the socket belongs to a QEMU QMP monitor.', exit: 'unavailable' },
  HV_QEMU_IMG_FAILED: { cause: 'qemu-img failed (overlay, snapshot or check).', fix: "Read qemu-img's message; check the image with 'qemu-img check'.", exit: 'unavailable' },
  HV_SNAPSHOT_MISSING: { cause: 'The named snapshot does not exist in the image.', fix: 'List the snapshots (listSnapshots) and use one of their names.', exit: 'input' },
  HV_ABORTED: { cause: 'The launch was cancelled (Ctrl-C or an abort signal) before the guest ran.', fix: 'Nothing to fix; run it again.', exit: 'interrupted' },
});
