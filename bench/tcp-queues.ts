/**
 * Bytes the kernel holds for one TCP connection, read from /proc/net/tcp and tcp6 (Linux):
 * what a stalled WebSocket client costs below the server's own buffers, which no metric of
 * the server shows.
 */
import { readFileSync } from 'node:fs';

/** A socket's kernel queues, bytes. */
export interface TcpQueues {
  /** Sent by the application and not yet acknowledged by the peer (`tx_queue`). */
  readonly sendQueue: number;
  /** Received and not yet read by the application (`rx_queue`). */
  readonly receiveQueue: number;
}

/** The port of an address column, e.g. `0100007F:1F90` or an IPv6 one: the hex after the colon. */
const portOf = (address: string): number => parseInt(address.slice(address.lastIndexOf(':') + 1), 16);

/**
 * The queues of this machine's socket whose local port is `localPort` and remote port
 * `remotePort` (both ends of a loopback connection are listed, one per direction); null
 * when there is none (closed, or not Linux).
 */
export function tcpQueues(localPort: number, remotePort: number): TcpQueues | null {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    // Columns: sl local_address rem_address st tx_queue:rx_queue ...
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns.length < 5 || portOf(columns[1]!) !== localPort || portOf(columns[2]!) !== remotePort) continue;
      const [tx, rx] = columns[4]!.split(':');
      return { sendQueue: parseInt(tx!, 16), receiveQueue: parseInt(rx!, 16) };
    }
  }
  return null;
}
