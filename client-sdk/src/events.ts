/**
 * A small typed event emitter. Not node:events: the SDK runs in browsers too, and this
 * is all it needs (on, once, off, emit), with listener types checked per event name.
 */

/** A listener of event `K` of the map `M`. */
export type Listener<M, K extends keyof M> = (payload: M[K]) => void;

/**
 * Typed emitter over an event map `{ name: payload }`. A listener that throws does not stop
 * the others: the error is rethrown asynchronously (like an uncaught handler error in a
 * browser), so one bad handler cannot corrupt the client's state machine mid-frame.
 */
export class TypedEmitter<M> {
  #listeners = new Map<keyof M, Array<Listener<M, keyof M>>>();

  /** Call `listener` on every `event`; returns a function that removes it. */
  on<K extends keyof M>(event: K, listener: Listener<M, K>): () => void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener as Listener<M, keyof M>);
    this.#listeners.set(event, list);
    return () => this.off(event, listener);
  }

  /** Call `listener` on the next `event` only. */
  once<K extends keyof M>(event: K, listener: Listener<M, K>): () => void {
    const wrapper = Object.assign((payload: M[K]) => {
      this.off(event, wrapper);
      listener(payload);
    }, { original: listener });
    return this.on(event, wrapper);
  }

  /** Remove `listener` from `event` (no-op when absent). */
  off<K extends keyof M>(event: K, listener: Listener<M, K>): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    // A once() wrapper remembers its listener, so `off(event, listener)` removes it too.
    const i = list.findIndex((l) => l === listener || (l as { original?: unknown }).original === listener);
    if (i >= 0) list.splice(i, 1);
  }

  /** Number of listeners of `event` (lets hot paths skip building payloads nobody reads). */
  listenerCount<K extends keyof M>(event: K): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /** Call every listener of `event` with `payload`, in registration order. */
  emit<K extends keyof M>(event: K, payload: M[K]): void {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) return;
    // Copy: a listener may remove itself (once) while we iterate.
    for (const listener of [...list]) {
      try {
        listener(payload);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Remove every listener. */
  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
