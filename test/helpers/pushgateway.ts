import { freePort } from './ports.js';
import { startProcess, waitForHttp, type ManagedProcess } from './processes.js';

export interface Pushgateway {
  readonly url: string;
  readonly process: ManagedProcess;
  /** The text exposition of /metrics, without the gateway's own go_/process_/pushgateway_ metrics. */
  scrape(): Promise<string>;
  stop(): Promise<void>;
}

const BINARY = 'prometheus-pushgateway';

/**
 * Starts the Debian prometheus-pushgateway on 127.0.0.1 and a free port, in memory only (no persistence
 * file), and waits until it is ready. It dies with the test process (startProcess), and stop() ends it.
 */
export async function startPushgateway(): Promise<Pushgateway> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const process = startProcess(
      BINARY,
      [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'],
      {
        name: BINARY,
      },
    );
    try {
      await waitForHttp(`${url}/-/ready`, { process, timeoutMs: 15_000 });
    } catch (err) {
      // Another process may have taken the port between freePort and the bind: try another.
      lastError = err;
      await process.stop();
      continue;
    }
    return {
      url,
      process,
      async scrape() {
        const res = await fetch(`${url}/metrics`);
        const text = await res.text();
        return text
          .split('\n')
          .filter((line) => !/^(# (HELP|TYPE) )?(go_|process_|pushgateway_|promhttp_)/.test(line))
          .join('\n');
      },
      stop: () => process.stop(),
    };
  }
  throw lastError;
}
