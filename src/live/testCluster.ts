import { Emulator, type EmulatorOptions, type RunningServer } from './emulator/server.js';
import { Gateway, type GatewayOptions } from './gateway/gateway.js';
import { eventData } from './gateway/sse.js';

/** A loopback cluster for tests and benchmarks: emulators behind one gateway, all on 127.0.0.1. */
export interface TestCluster {
  readonly emulators: Emulator[];
  readonly servers: RunningServer[];
  readonly gateway: Gateway;
  readonly gatewayServer: RunningServer;
  readonly url: string;
  close(): Promise<void>;
}

export async function startCluster(n: number, emu: Partial<EmulatorOptions>, gw: Partial<GatewayOptions>): Promise<TestCluster> {
  const emulators: Emulator[] = [];
  const servers: RunningServer[] = [];
  for (let i = 0; i < n; i++) {
    const e = new Emulator({ deployment: 'llama-2-7b/a100-80gb', seed: i + 1, ...emu });
    emulators.push(e);
    servers.push(await e.listen(0));
  }
  const gateway = new Gateway({ policy: 'least-outstanding', ...gw, backends: servers.map((s) => s.url) });
  const gatewayServer = await gateway.listen(0);
  return {
    emulators,
    servers,
    gateway,
    gatewayServer,
    url: gatewayServer.url,
    close: async () => {
      await gatewayServer.close();
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

/** POSTs JSON and returns the status, headers and text. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The data payloads of a streamed (SSE) response body, event by event as they arrive ('[DONE]' included). */
export async function* sseData(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(bytes, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const data = eventData(buf.slice(0, i));
      buf = buf.slice(i + 2);
      if (data !== undefined) yield data;
    }
  }
}
