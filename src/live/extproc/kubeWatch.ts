import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import { ConfigError } from '../../core/errors.js';
import type { EndpointSlots } from './endpointsFile.js';

/** Where a pod running in the cluster finds the API server's credentials. */
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeWatchOptions {
  /** API server base URL; default from KUBERNETES_SERVICE_HOST/PORT (in-cluster). */
  readonly api?: string;
  /** Namespace of the pool's pods; default: the service account's. */
  readonly namespace?: string;
  /** Label selector of the InferencePool (`spec.selector.matchLabels` as `k=v,k2=v2`). */
  readonly selector: string;
  /** The pool's target port on each pod. */
  readonly targetPort: number;
  /** Bearer token; default: the service account's token file (re-read at every (re)connect). */
  readonly token?: string;
  /** PEM CA bundle for an https API server; default: the service account's ca.crt. */
  readonly ca?: string;
  /** Seconds between reconnect attempts after a watch ends or fails. */
  readonly retryS?: number;
  readonly log?: (line: string) => void;
}

/** The fields of a core/v1 Pod the watch reads. */
interface Pod {
  metadata?: { name?: string; deletionTimestamp?: string; resourceVersion?: string };
  status?: { phase?: string; podIP?: string; conditions?: { type?: string; status?: string }[] };
}

/** A pod is an endpoint when it runs, is Ready, has an IP and is not being deleted. */
export function podEndpoint(p: Pod, port: number): string | undefined {
  const s = p.status;
  if (!s?.podIP || s.phase !== 'Running' || p.metadata?.deletionTimestamp) return undefined;
  if (!(s.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')) return undefined;
  const host = s.podIP.includes(':') ? `[${s.podIP}]` : s.podIP;
  return `http://${host}:${port}`;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * The InferencePool's endpoints from the Kubernetes API: list the pods matching the pool's selector,
 * then watch them from the list's resourceVersion (`watch=1`, one JSON event a line: ADDED, MODIFIED,
 * DELETED, BOOKMARK, ERROR), as the extension's reference EPP learns its pool through a pod
 * informer. Every change is applied to the backend slots (`EndpointSlots`); a watch that ends is
 * resumed from the last resourceVersion, one that fails or expires (410 Gone) starts over with a
 * fresh list. Only reads pods: the service account needs `get`, `list` and `watch` on them.
 */
export class KubePodWatch {
  private readonly pods = new Map<string, string>();
  private readonly api: string;
  private readonly namespace: string;
  private readonly dispatcher: Dispatcher | undefined;
  private resourceVersion = '';
  private stopped = false;
  private abort = new AbortController();
  private tick: NodeJS.Timeout | undefined;
  /** Resolves when the first list has been applied. */
  readonly synced: Promise<void>;
  private markSynced: () => void = () => {};

  constructor(
    private readonly slots: EndpointSlots,
    private readonly opts: KubeWatchOptions,
  ) {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const api = opts.api ?? (host ? `https://${host.includes(':') ? `[${host}]` : host}:${process.env.KUBERNETES_SERVICE_PORT ?? '443'}` : undefined);
    if (!api) throw new ConfigError('--k8s-selector: no API server (not in a pod: give --k8s-api URL)');
    this.api = api.replace(/\/+$/, '');
    const ns = opts.namespace ?? readOptional(`${SA_DIR}/namespace`);
    if (!ns) throw new ConfigError('--k8s-namespace: not given and no service-account namespace file');
    this.namespace = ns;
    const ca = opts.ca ?? readOptional(`${SA_DIR}/ca.crt`);
    this.dispatcher = this.api.startsWith('https:') && ca ? new Agent({ connect: { ca } }) : undefined;
    this.synced = new Promise((r) => (this.markSynced = r));
  }

  /** The endpoints currently known (ready pods), sorted. */
  endpoints(): string[] {
    return [...new Set(this.pods.values())].sort();
  }

  start(): void {
    void this.run();
    // Drained slots are vacated when their last stream ends: apply again every second.
    this.tick = setInterval(() => this.apply(), 1000);
    this.tick.unref();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    if (this.tick) clearInterval(this.tick);
  }

  private apply(): void {
    const c = this.slots.apply(this.endpoints());
    const log = this.opts.log ?? (() => {});
    if (c.added.length) log(`pods ready: ${c.added.join(', ')}`);
    if (c.removed.length) log(`pods gone (draining): ${c.removed.join(', ')}`);
    if (c.unplaced.length && (c.added.length || c.removed.length)) log(`no free slot for ${c.unplaced.join(', ')} (raise --max-endpoints)`);
  }

  private url(watch: boolean): string {
    const q = new URLSearchParams({ labelSelector: this.opts.selector });
    if (watch) {
      q.set('watch', '1');
      q.set('allowWatchBookmarks', 'true');
      if (this.resourceVersion) q.set('resourceVersion', this.resourceVersion);
    }
    return `${this.api}/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods?${q}`;
  }

  private headers(): Record<string, string> {
    const token = this.opts.token ?? readOptional(`${SA_DIR}/token`);
    return { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  }

  private async get(url: string): Promise<Dispatcher.ResponseData> {
    const res = await request(url, { headers: this.headers(), signal: this.abort.signal, ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}) });
    if (res.statusCode !== 200) {
      const text = await res.body.text();
      throw Object.assign(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`), { status: res.statusCode });
    }
    return res;
  }

  private async list(): Promise<void> {
    const res = await this.get(this.url(false));
    const j = (await res.body.json()) as { metadata?: { resourceVersion?: string }; items?: Pod[] };
    this.pods.clear();
    for (const p of j.items ?? []) this.update('ADDED', p);
    this.resourceVersion = j.metadata?.resourceVersion ?? '';
    this.apply();
    this.markSynced();
  }

  private update(type: string, p: Pod): void {
    const name = p.metadata?.name;
    if (!name) return;
    const ep = type === 'DELETED' ? undefined : podEndpoint(p, this.opts.targetPort);
    if (ep) this.pods.set(name, ep);
    else this.pods.delete(name);
  }

  /** One watch until the server ends it; returns false when the list must be fetched again. */
  private async watch(): Promise<boolean> {
    const res = await this.get(this.url(true));
    let buf = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      buf += decoder.decode(chunk as Uint8Array, { stream: true });
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        if (line === '') continue;
        const ev = JSON.parse(line) as { type?: string; object?: Pod & { code?: number } };
        if (ev.type === 'ERROR') {
          // 410 Gone: the resourceVersion is too old; anything else: start over too.
          res.body.destroy();
          return false;
        }
        const rv = ev.object?.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (ev.type === 'BOOKMARK' || !ev.object) continue;
        this.update(ev.type ?? '', ev.object);
        this.apply();
      }
    }
    return true;
  }

  private async run(): Promise<void> {
    const log = this.opts.log ?? (() => {});
    let listed = false;
    while (!this.stopped) {
      try {
        if (!listed) await this.list();
        listed = await this.watch();
      } catch (e) {
        if (this.stopped) return;
        listed = false;
        log(`pod watch: ${(e as Error).message}; retrying in ${this.opts.retryS ?? 1} s`);
        await new Promise((r) => setTimeout(r, (this.opts.retryS ?? 1) * 1000).unref());
      }
    }
  }
}
