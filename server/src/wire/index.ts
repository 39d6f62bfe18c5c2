/** What sims and gateways say to each other over the bus: subjects and message codecs. */
export * from './subjects.js';
export * from './bytes.js';
export * from './rpc.js';
export * from './tick-message.js';
export * from './chunk-messages.js';
export * from './place-batch.js';
export * from './cells-reply.js';
export * from './control.js';
export * from './message-arena.js';
export * from './halo-message.js';
