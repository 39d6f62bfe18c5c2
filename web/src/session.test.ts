import { expect, test } from 'vitest';
import { SESSION_KEY, Session, type KeyValueStore } from './session.js';

function memoryStore(): KeyValueStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

test('join creates a player and keeps it; load reads it back; clear forgets it', async () => {
  const store = memoryStore();
  const session = new Session(store);
  expect(session.load()).toBeNull();
  const player = await session.join('http://127.0.0.1:1', 'ada', async (_url, name) => ({ id: 3, name, color: '#abcdef', token: 't0k' }));
  expect(player).toEqual({ id: 3, name: 'ada', color: '#abcdef', token: 't0k' });
  expect(new Session(store).load()).toEqual(player);
  session.clear();
  expect(session.load()).toBeNull();
});

test('an unreadable stored value counts as no player', () => {
  const store = memoryStore();
  store.map.set(SESSION_KEY, '{not json');
  expect(new Session(store).load()).toBeNull();
  store.map.set(SESSION_KEY, JSON.stringify({ id: 1, name: 'x' }));
  expect(new Session(store).load()).toBeNull();
});
