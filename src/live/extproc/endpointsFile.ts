import { readFileSync, statSync } from 'node:fs';
import { ConfigError, InputError } from '../../core/errors.js';
import type { BackendState } from '../backend.js';
import { normaliseUrl } from '../gateway/gateway.js';

/**
 * Parses an endpoints file: one endpoint a line, `host:port` (an InferencePool's `<ip:port>`) or a
 * base URL; `#` starts a comment; blank lines and repeats are ignored. A bad line is an error
 * naming the file and the line.
 */
export function parseEndpoints(text: string, path: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/#.*/, '').trim();
    if (line === '') continue;
    const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(line) ? line : `http://${line}`;
    let norm: string;
    try {
      norm = normaliseUrl(url);
      if (!new URL(norm).port && !/^[a-z]+:\/\//i.test(line)) throw new ConfigError(`'${line}' has no port (expected host:port)`);
    } catch (e) {
      throw new InputError(path, i + 1, 'endpoint', (e as Error).message.replace(/^--backends: /, ''));
    }
    if (!out.includes(norm)) out.push(norm);
  }
  return out;
}

/** What one application of an endpoint list changed. */
export interface EndpointChanges {
  readonly added: string[];
  readonly removed: string[];
  /** Listed endpoints with no slot free (raise --max-endpoints); retried at every application. */
  readonly unplaced: string[];
}

/**
 * Applies a desired endpoint list to the gateway's backend slots, keeping the policy's instance
 * count fixed: an endpoint no longer listed is drained (no new requests) and its slot becomes
 * vacant once nothing is in flight on it; a new endpoint takes the lowest vacant slot, with every
 * signal unknown and every count 0; a listed endpoint whose removal is pending is kept. Idempotent,
 * so it is applied again at every poll (that is when drained slots are vacated).
 */
export class EndpointSlots {
  /** Slots being removed (drained by the endpoint set, not by an operator). */
  private readonly leaving = new Set<number>();

  constructor(
    private readonly backends: readonly BackendState[],
    /** Called when a slot is given a new endpoint or vacated (the SLO window starts afresh). */
    private readonly onReset: (slot: number) => void = () => {},
  ) {}

  apply(urls: readonly string[]): EndpointChanges {
    const want = new Set(urls);
    const added: string[] = [];
    const removed: string[] = [];
    for (const b of this.backends) {
      if (b.vacant) continue;
      if (want.has(b.url)) {
        want.delete(b.url);
        if (this.leaving.delete(b.id)) b.draining = false;
        continue;
      }
      if (!this.leaving.has(b.id)) {
        this.leaving.add(b.id);
        b.draining = true;
        removed.push(b.url);
      }
      if (b.outstanding <= 0) {
        this.leaving.delete(b.id);
        b.assign('');
        this.onReset(b.id);
      }
    }
    const unplaced: string[] = [];
    for (const url of want) {
      const slot = this.backends.find((b) => b.vacant);
      if (!slot) {
        unplaced.push(url);
        continue;
      }
      slot.assign(url);
      this.onReset(slot.id);
      added.push(url);
    }
    return { added, removed, unplaced };
  }
}

export interface EndpointsFileOptions {
  readonly path: string;
  /** Seconds between checks of the file (its modification time and size). */
  readonly pollS: number;
  /** Told of every change and of every unreadable or invalid version of the file (the last good list stays). */
  readonly log?: (line: string) => void;
}

/**
 * An endpoint set read from a file and re-read when it changes (polled: a ConfigMap mounted in a
 * pod is updated by swapping a symlink, which file watchers can miss). What an InferencePool's
 * controller or a sidecar writes there is what the router routes to.
 */
export class EndpointsFile {
  private timer: NodeJS.Timeout | undefined;
  private stamp = '';
  private urls: string[] = [];
  private lastError = '';

  constructor(
    private readonly slots: EndpointSlots,
    private readonly opts: EndpointsFileOptions,
  ) {}

  /** Reads the file now; a missing or invalid file at start-up is an error. */
  static readInitial(path: string): string[] {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError(`--endpoints-file ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return parseEndpoints(text, path);
  }

  start(): void {
    this.check();
    this.timer = setInterval(() => this.check(), this.opts.pollS * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Re-reads the file if it changed, then applies the current list (idempotent). */
  check(): void {
    const log = this.opts.log ?? (() => {});
    try {
      const st = statSync(this.opts.path);
      const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (stamp !== this.stamp) {
        const urls = parseEndpoints(readFileSync(this.opts.path, 'utf8'), this.opts.path);
        this.stamp = stamp;
        this.urls = urls;
        this.lastError = '';
      }
    } catch (e) {
      const msg = `endpoints file: ${(e as Error).message}; keeping the last good list (${this.urls.length} endpoints)`;
      if (msg !== this.lastError) log(msg);
      this.lastError = msg;
    }
    const c = this.slots.apply(this.urls);
    if (c.added.length) log(`endpoints added: ${c.added.join(', ')}`);
    if (c.removed.length) log(`endpoints removed (draining): ${c.removed.join(', ')}`);
    if (c.unplaced.length && (c.added.length || c.removed.length)) log(`no free slot for ${c.unplaced.join(', ')} (raise --max-endpoints)`);
  }
}
