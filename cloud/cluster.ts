import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';

/**
 * Several hub nodes behind one database: the Socket.IO Redis Streams adapter (maintained by the
 * Socket.IO team) carries room broadcasts, `fetchSockets`/`disconnectSockets` (used to revoke a
 * kiosk wherever it is connected) and the nodes' own notices between the hub processes.
 *
 * The one notice the hub needs: `deliveriesPending`. Claim deliveries (claimAccepted/claimRefused/saleEntriesDerived)
 * are rows in the shared database; the node that accepted a claim tells every node "kiosk N has
 * deliveries", and the node holding kiosk N's socket sends them from the database and deletes each
 * one when the kiosk acknowledges it. A notice lost to a Redis blip is caught by the hub's periodic
 * delivery sweep and by the flush every (re)connection and every outbox batch does.
 */

/** Events between hub nodes (Socket.IO `serverSideEmit`). */
export interface HubPeerEvents {
  deliveriesPending: (kioskNo: number) => void;
}

export interface ClusterOptions {
  /** redis://[user:password@]host:port[/db] */
  redisUrl: string;
  /** Prefix of the Redis stream, pub/sub channels and session keys: nodes of one hub share it. */
  prefix?: string;
  log?: (line: string) => void;
}

export interface Cluster {
  adapter: ReturnType<typeof createAdapter>;
  /** The stream and key names this cluster uses in Redis (for tests that clean up). */
  names: { stream: string; channelPrefix: string; sessionKeyPrefix: string };
  close(): Promise<void>;
}

export const DEFAULT_REDIS_PREFIX = 'loyalty-hub';

export async function connectCluster(options: ClusterOptions): Promise<Cluster> {
  const log = options.log ?? ((line: string) => console.log(line));
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const client = createClient({ url: options.redisUrl });
  let lastError = '';
  client.on('error', (error: unknown) => {
    // node-redis reconnects by itself; say it once per distinct failure, not on every retry.
    const text = error instanceof Error ? error.message : String(error);
    if (text !== lastError) log(`redis (${redactUrl(options.redisUrl)}): ${text}; reconnecting`);
    lastError = text;
  });
  client.on('ready', () => {
    if (lastError) log(`redis (${redactUrl(options.redisUrl)}): connected again`);
    lastError = '';
  });
  try {
    await client.connect();
  } catch (error) {
    client.destroy();
    throw new Error(`Redis not reachable at ${redactUrl(options.redisUrl)} — check REDIS_URL (${String(error)})`, { cause: error });
  }
  const names = { stream: `${prefix}:stream`, channelPrefix: `${prefix}:ch`, sessionKeyPrefix: `${prefix}:session:` };
  const adapter = createAdapter(client, {
    streamName: names.stream,
    channelPrefix: names.channelPrefix,
    sessionKeyPrefix: names.sessionKeyPrefix,
    onlyPlaintext: true,
    blockTimeInMs: 2_000,
  });
  return {
    adapter,
    names,
    async close() {
      // io.close() closes the adapter (its reading clients); this closes the publishing client.
      if (client.isOpen) await client.close().catch(() => client.destroy());
    },
  };
}

/** redis://user:secret@host → redis://user:***@host, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
