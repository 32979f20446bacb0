import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { admit, growMemory, usableMiB } from './admission.ts';

const mem = fc.integer({ min: 0, max: 1 << 21 });
const host = fc.record({ availableMiB: mem, reservedMiB: fc.integer({ min: 0, max: 1 << 20 }) });

test('the refusal names the figures', () => {
  const a = admit({ vm: 'big', memoryMiB: 4096, headroomMiB: 256 }, { availableMiB: 3100, reservedMiB: 0 });
  assert.equal(a.type, 'refuse');
  assert.equal(a.type === 'refuse' && a.reason, 'VM big needs 4096 MiB + 256 MiB headroom, host has 3100 MiB available');
  const r = admit({ vm: 'big', memoryMiB: 4096, headroomMiB: 256 }, { availableMiB: 5000, reservedMiB: 2000 });
  assert.equal(r.type === 'refuse' && r.reason, 'VM big needs 4096 MiB + 256 MiB headroom, host has 3000 MiB available (5000 MiB MemAvailable less 2000 MiB reserved by running guaranteed VMs)');
  assert.deepEqual(admit({ vm: 'ok', memoryMiB: 256, headroomMiB: 256 }, { availableMiB: 512, reservedMiB: 0 }), { type: 'admit', needMiB: 512, haveMiB: 512, leftMiB: 0 });
});

test('property: admission never admits a VM that does not fit, and always admits one that does (100%)', () => {
  fc.assert(
    // memoryMiB from the VM file's own range (16 MiB and up).
    fc.property(fc.integer({ min: 16, max: 1 << 21 }), fc.integer({ min: 0, max: 4096 }), host, (memoryMiB, headroomMiB, h) => {
      const a = admit({ vm: 'v', memoryMiB, headroomMiB }, h);
      const fits = memoryMiB + headroomMiB <= h.availableMiB - h.reservedMiB;
      assert.equal(a.type === 'admit', fits);
      if (a.type === 'refuse') {
        assert.ok(a.reason.includes(`needs ${memoryMiB} MiB + ${headroomMiB} MiB headroom`), a.reason);
        assert.ok(a.reason.includes(`host has ${usableMiB(h)} MiB available`), a.reason);
      } else assert.ok(a.leftMiB >= 0);
    }),
    { numRuns: 20000 },
  );
});

test('property: the heal that adds memory never grows a VM past what admission would let boot, nor shrinks it', () => {
  fc.assert(
    fc.property(fc.integer({ min: 16, max: 1 << 16 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 16, max: 1 << 17 }), fc.integer({ min: 0, max: 2048 }), host, (currentMiB, factor, maxMiB, headroomMiB, h) => {
      const g = growMemory({ vm: 'v', currentMiB, wantedMiB: currentMiB * factor, maxMiB, headroomMiB }, h);
      if (g.type === 'grow') {
        assert.ok(g.memoryMiB > currentMiB);
        assert.ok(g.memoryMiB <= Math.min(maxMiB, currentMiB * factor));
        assert.equal(admit({ vm: 'v', memoryMiB: g.memoryMiB, headroomMiB }, h).type, 'admit');
        assert.equal(g.capped !== undefined, g.memoryMiB < Math.min(maxMiB, currentMiB * factor));
      } else {
        // Refused only when no growth at all is possible: nothing above the current size both fits and is allowed.
        const fits = admit({ vm: 'v', memoryMiB: currentMiB + 1, headroomMiB }, h).type === 'admit';
        assert.ok(!fits || Math.min(maxMiB, currentMiB * factor) <= currentMiB, g.reason);
      }
    }),
    { numRuns: 5000 },
  );
});

test('a heal that cannot add memory says so with the figures; one that can only add some says it was capped', () => {
  const g = growMemory({ vm: 'web', currentMiB: 1024, wantedMiB: 2048, maxMiB: 4096, headroomMiB: 256 }, { availableMiB: 1200, reservedMiB: 0 });
  assert.deepEqual(g, { type: 'refuse', reason: 'more memory for VM web: 2048 MiB wanted (it has 1024 MiB) needs 2048 MiB + 256 MiB headroom, host has 1200 MiB available' });
  const c = growMemory({ vm: 'web', currentMiB: 1024, wantedMiB: 2048, maxMiB: 4096, headroomMiB: 256 }, { availableMiB: 1800, reservedMiB: 0 });
  assert.deepEqual(c, { type: 'grow', memoryMiB: 1544, capped: 'capped at 1544 MiB (2048 MiB wanted): 1544 MiB + 256 MiB headroom, host has 1800 MiB available' });
});
