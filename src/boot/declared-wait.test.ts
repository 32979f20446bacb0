import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declaredWaitLeft, MAX_DECLARED_WAIT_MS, parseTimespan } from './declared-wait.ts';

test('systemd timespans parse to milliseconds; anything else is undefined', () => {
  assert.equal(parseTimespan('1min 30s'), 90_000);
  assert.equal(parseTimespan('90s'), 90_000);
  assert.equal(parseTimespan('2h 5min'), 7_500_000);
  assert.equal(parseTimespan('500ms'), 500);
  assert.equal(parseTimespan('1.5s'), 1500);
  assert.equal(parseTimespan('no limit'), undefined);
  assert.equal(parseTimespan('12 s'), undefined);
  assert.equal(parseTimespan(''), undefined);
});

test('both forms of systemd running-job lines announce the time left; other lines do not', () => {
  assert.equal(declaredWaitLeft('[ ***  ] A start job is running for /dev/disk/by-uuid/1111 (12s / 1min 30s)'), 78_000);
  assert.equal(declaredWaitLeft('[*     ] Job dev-disk-by\\x2duuid-1111\\x2…tart running (1min 23s / 1min 30s)'), 7_000);
  assert.equal(declaredWaitLeft('A start job is running for Wait for network (3s / no limit)'), undefined, 'no limit holds nothing');
  assert.equal(declaredWaitLeft('A start job is running for x (2min / 1min 30s)'), undefined, 'an overrun wait holds nothing');
  assert.equal(declaredWaitLeft('A start job is running for x (1s / 9999h)'), MAX_DECLARED_WAIT_MS, 'a huge limit is capped');
  assert.equal(declaredWaitLeft('Begin: Running /scripts/local-block ... done.'), undefined);
  assert.equal(declaredWaitLeft('running (12s / 1min 30s) and more text'), undefined, 'the limit must end the line');
  assert.equal(declaredWaitLeft('Press any key to continue...'), 10_000, "GRUB's fixed wait after an error");
  assert.equal(declaredWaitLeft('Press any key to continue... or not'), undefined);
});
