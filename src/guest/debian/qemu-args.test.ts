import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OVMF_SECURE_BOOT } from '../firmware.ts';
import { debianQemuArgs, OVMF_BIOS_PATH } from './qemu-args.ts';

test('UEFI boots OVMF with -bios; Secure Boot uses the SMM build as pflash with a writable vars copy', () => {
  const plain = debianQemuArgs({ disk: '/o.qcow2', firmware: 'uefi' });
  assert.equal(plain[plain.indexOf('-machine') + 1], 'q35,accel=tcg');
  assert.equal(plain[plain.indexOf('-bios') + 1], OVMF_BIOS_PATH);
  assert.equal(plain.includes('-global'), false);
  const sb = debianQemuArgs({ disk: '/o.qcow2', firmware: 'uefi', secureBootVars: '/run/vars.fd' });
  assert.equal(sb[sb.indexOf('-machine') + 1], 'q35,smm=on,accel=tcg');
  assert.equal(sb.includes('-bios'), false);
  assert.equal(sb[sb.indexOf('-global') + 1], 'driver=cfi.pflash01,property=secure,value=on');
  assert.ok(sb.includes(`if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_SECURE_BOOT.code}`));
  assert.ok(sb.includes('if=pflash,format=raw,unit=1,file=/run/vars.fd'));
  const bios = debianQemuArgs({ disk: '/o.qcow2', firmware: 'bios', secureBootVars: '/run/vars.fd' });
  assert.equal(bios.some((a) => a.includes('pflash') || a === '-bios'), false, 'BIOS ignores Secure Boot');
});
