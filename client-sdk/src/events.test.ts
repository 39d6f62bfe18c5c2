import { expect, test } from 'vitest';
import { TypedEmitter } from './events.js';

test('on, once, off and a throwing listener that does not stop the others', async () => {
  const e = new TypedEmitter<{ n: number }>();
  const seen: string[] = [];
  const once = (n: number) => seen.push(`once ${n}`);
  e.once('n', once);
  const off = e.on('n', (n) => seen.push(`on ${n}`));
  e.emit('n', 1);
  e.emit('n', 2);
  off();
  e.emit('n', 3);
  expect(seen).toEqual(['once 1', 'on 1', 'on 2']);
  e.once('n', once);
  e.off('n', once);
  expect(e.listenerCount('n')).toBe(0);

  const thrown = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
  e.on('n', () => {
    throw new Error('boom');
  });
  e.on('n', (n) => seen.push(`after ${n}`));
  e.emit('n', 4);
  expect(seen.at(-1)).toBe('after 4');
  await expect(thrown).resolves.toMatchObject({ message: 'boom' });
});
