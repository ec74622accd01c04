// A TCP proxy on 127.0.0.1 in front of a real server (the hub, PostgreSQL), for fault tests: it can
// drop every open connection (`cut`), stop answering altogether so that new connections are refused
// (`refuse`), and come back on the same port (`accept`).
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Open connections through the proxy right now. */
  readonly open: number;
  /** Destroys every open connection (both sides); new ones are still accepted. */
  cut(): void;
  /** Stops listening and cuts every connection: the target looks gone (connection refused). */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function tcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const live = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const next = createServer((inbound) => {
      const outbound = connect(targetPort, targetHost);
      live.add(inbound);
      live.add(outbound);
      inbound.pipe(outbound).pipe(inbound);
      const drop = (): void => {
        inbound.destroy();
        outbound.destroy();
        live.delete(inbound);
        live.delete(outbound);
      };
      inbound.on('error', drop).on('close', drop);
      outbound.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as { port: number }).port;
    server = next;
  };
  const cut = (): void => {
    for (const s of live) s.destroy();
    live.clear();
  };
  const stop = async (): Promise<void> => {
    const current = server;
    server = undefined;
    cut();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await listen();
  return {
    get port() {
      return port;
    },
    get open() {
      return live.size / 2;
    },
    cut,
    refuse: stop,
    accept: listen,
    close: stop,
  };
}
