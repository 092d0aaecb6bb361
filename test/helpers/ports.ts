import { createServer } from 'node:net';

/**
 * A port that was free on 127.0.0.1 a moment ago. Another process can take it before the caller binds,
 * so whoever starts a server on it should retry on "address already in use" (startRegistry does).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: the OS returned no TCP address'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
