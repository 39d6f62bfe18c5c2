/** The bus between roles: the interface and its two implementations. */
export { BusRequestError, subjectMatches, type Bus, type BusFailure, type BusHandler, type BusResponder, type BusState, type BusSubscription } from './bus.js';
export { LocalBus } from './local-bus.js';
export { LocalBusMesh } from './local-mesh.js';
export { NatsBus, connectNatsBus, type NatsBusOptions } from './nats-bus.js';
