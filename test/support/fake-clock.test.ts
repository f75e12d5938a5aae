import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './fake-clock.ts';

test('timers fire in time order, each at its own time, and only when time is advanced past them', async () => {
  const clock = new FakeClock(1000);
  const fired: string[] = [];
  clock.after(300, () => fired.push(`b@${clock.now()}`));
  clock.after(100, () => fired.push(`a@${clock.now()}`));
  clock.after(300, () => fired.push(`c@${clock.now()}`));
  await clock.advance(299);
  assert.deepEqual(fired, ['a@1100']);
  await clock.advance(1);
  assert.deepEqual(fired, ['a@1100', 'b@1300', 'c@1300'], 'same time: in the order they were set');
  assert.equal(clock.now(), 1300);
});

test('a periodic timer fires every period until cancelled; a cancelled one never fires', async () => {
  const clock = new FakeClock(0);
  const ticks: number[] = [];
  const stop = clock.every(250, () => ticks.push(clock.now()));
  const cancel = clock.after(100, () => ticks.push(-1));
  cancel();
  await clock.advance(1000);
  stop();
  await clock.advance(1000);
  assert.deepEqual(ticks, [250, 500, 750, 1000]);
  assert.equal(clock.pending, 0);
});

test('promise work started by a timer settles before the next timer fires', async () => {
  const clock = new FakeClock(0);
  const order: string[] = [];
  void (async () => {
    await clock.sleep(50);
    order.push('slept');
    await Promise.resolve();
    order.push('continued');
    await clock.sleep(50);
    order.push(`slept again at ${clock.now()}`);
  })();
  clock.after(60, () => order.push('timer at 60'));
  await clock.advance(100);
  assert.deepEqual(order, ['slept', 'continued', 'timer at 60', 'slept again at 100']);
});
