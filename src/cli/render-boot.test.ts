import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findingsFromQmpPanic } from '../signatures/index.ts';
import { renderEvent } from './render-boot.ts';
import { paint } from './style.ts';

test('a Windows stop code finding prints its name and its exact parameters in hex', () => {
  const [finding] = findingsFromQmpPanic({ action: 'pause', info: { type: 'hyper-v', arg1: 59, arg2: 3221225477, arg3: '18446735277616529280', arg4: 0, arg5: 0 } });
  const text = renderEvent({ type: 'finding', vm: 'win', bootId: 'b', finding: { ...finding!, atMs: 1200 } }, paint(false)) ?? '';
  assert.match(text, /fatal windows-bugcheck: Windows stop SYSTEM_SERVICE_EXCEPTION \(0x0000003B\)/);
  assert.match(text, /parameters 0xC0000005 0xFFFFF7FFFFFFFF80 0x00000000 0x00000000$/);
});
