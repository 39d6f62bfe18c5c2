/**
 * Which WebSocket implementation the client uses, in this order:
 *
 * 1. a constructor the caller injects (`new LifeClient({ WebSocket })`), e.g. `ws` in
 *    Node when the caller wants its speed or its options, or a mock in tests;
 * 2. `globalThis.WebSocket`: every browser, Deno, Bun, and Node from 22;
 * 3. the `ws` package, loaded by a dynamic import whose specifier is not a literal.
 *
 * Why the indirection in 3: bundlers follow `import('ws')` with a literal and would pull
 * `ws` (and with it node:net, node:tls, ...) into a browser bundle. A specifier held in a
 * variable is left alone by esbuild, Vite (with @vite-ignore) and webpack (with
 * webpackIgnore); in a browser the branch is never reached because step 2 always wins.
 * test/sdk/browser-bundle.test.ts bundles the SDK for the browser and checks this.
 */

/** The part of the WHATWG WebSocket API the client uses; `ws` and browsers both provide it. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor (the browser's, `ws`'s, or a test double). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** readyState values of the WHATWG API. */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

// Held in a variable on purpose: see the module comment.
const NODE_WS_MODULE = 'ws';

let nodeWebSocket: Promise<WebSocketConstructor> | undefined;

/** The WebSocket constructor to use: `injected`, else the global one, else the `ws` package. */
export async function resolveWebSocket(injected?: WebSocketConstructor): Promise<WebSocketConstructor> {
  if (injected) return injected;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof global === 'function') return global;
  nodeWebSocket ??= import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_WS_MODULE).then(
    (mod: { default?: WebSocketConstructor; WebSocket?: WebSocketConstructor }) => {
      const ctor = mod.WebSocket ?? mod.default;
      if (typeof ctor !== 'function') throw new Error('The ws package does not export a WebSocket class');
      return ctor;
    },
  );
  return nodeWebSocket;
}

/** The bytes of a binary message event: ArrayBuffer (browsers, ws with binaryType arraybuffer) or a view (ws nodebuffer). */
export function binaryPayload(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}
