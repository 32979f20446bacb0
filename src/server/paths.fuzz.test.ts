// Any path a client can send gets a 4xx JSON error or the known thing: never a 500, never
// a file outside the home (the home holds a marker file that must never come back).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { createFakeService, type FakeService } from '../../testkit/index.ts';
import { createApp, createEventStream, staticTokenBook } from './index.ts';

const T = 'viewer-token-for-fuzz';
const MARKER = 'MARKER-outside-the-boot-folder';
let fake: FakeService;
let app: ReturnType<typeof createApp>['app'];
before(async () => {
  fake = await createFakeService();
  writeFileSync(join(fake.home, 'console.log'), MARKER);
  writeFileSync(join(fake.home, 'boots', 'console.log'), MARKER);
  ({ app } = createApp({ service: fake.service, tokens: staticTokenBook({ [T]: 'viewer' }), events: createEventStream(fake.hub) }));
});
after(async () => fake.cleanup());

const segment = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('..', '.', '%2e%2e', '..%2f..', '%00', 'web1', 'a/../..', '%2F', '\u0000', '~', 'boots'),
  fc.stringMatching(/^[A-Za-z0-9._%-]{1,30}$/),
);
const TEMPLATES = ['/api/v1/boots/{}', '/api/v1/boots/{}/console', '/api/v1/vms/{}', '/api/v1/vms/{}/boots', '/api/v1/incidents/{}', '/api/v1/drills/{}', '/api/v1/ledger/entries/{}/proof', '/{}'];

test('random path parameters get a 4xx JSON error, never a 500 or a file outside the boot folders', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...TEMPLATES), segment, fc.boolean(), async (tpl, seg, encode) => {
      const path = tpl.replace('{}', encode ? encodeURIComponent(seg) : seg);
      let res: Response;
      try {
        res = await app.request(`http://localhost${path.startsWith('/') ? '' : '/'}${path}`, { headers: { authorization: `Bearer ${T}` } });
      } catch {
        return; // not a URL fetch() can send at all
      }
      const text = await res.text();
      assert.ok(res.status < 500, `${path}: ${res.status} ${text}`);
      assert.ok(!text.includes(MARKER), `${path} leaked a file`);
      if (res.status >= 400) assert.match((JSON.parse(text) as { error: { code: string } }).error.code, /^SERVER_/);
    }),
    { seed: 1307, numRuns: 600 },
  );
});
