import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderHeal } from './render-heal.ts';

test('a heal event reads as one line naming the VM; a plan prints nothing', () => {
  assert.equal(renderHeal('web', { type: 'incident-closed', incidentId: 'i1', status: 'recovered', mttrMs: 6300, fixedBy: 'more-memory' } as never), 'web: incident i1 closed: recovered (MTTR 6.3 s, by more-memory)');
  assert.match(renderHeal('web', { type: 'action', seq: 2, remedy: 'restore-golden', attempt: 1 } as never) ?? '', /^web: remedy 2: restore-golden \(attempt 1\)$/);
  assert.equal(renderHeal('web', { type: 'plan' } as never), undefined);
});
