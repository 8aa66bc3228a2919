import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BackendState } from '../backend.js';
import type { Clock } from '../clock.js';
import type { Endpoint, ParsedRequest } from '../openai.js';
import type { StreamFlight } from '../rebalance/flight.js';

/** What a relay needs from the gateway that runs it. */
export interface RelayHost {
  readonly o: { readonly upstreamTimeoutS: number; readonly backendHeader: string };
  readonly clock: Clock;
  take(b: BackendState, promptTokens: number): void;
  markDown(b: BackendState, kind: string): void;
  completed(a: RoutedOn, outputTokens: number, firstTokenTime: number, failed: boolean): void;
}

/** A request and the backend the policy chose for it. */
export interface RoutedOn {
  readonly backend: BackendState;
  readonly parsed: ParsedRequest;
  readonly id: number;
  readonly arrival: number;
  readonly predicted: number;
}

/** One try of a request on one backend. */
export interface Attempt extends RoutedOn {
  readonly gw: RelayHost;
  readonly req: FastifyRequest;
  readonly reply: FastifyReply;
  readonly endpoint: Endpoint;
  readonly payload: string;
  /** The gateway added `stream_options.include_usage`: strip the usage chunk from what the client sees. */
  readonly injectedUsage: boolean;
  /** With live rebalancing: the request's entry in the in-flight table, through which it can be moved. */
  readonly flight?: StreamFlight | undefined;
}

/** 'retry': failed before anything reached the client, try another backend. 'done': the client has its answer. */
export type Outcome = 'done' | 'retry';

/** The kind of an upstream failure, for `gaps_router_upstream_errors_total`. */
export function kindOf(e: unknown): string {
  const code = (e as { code?: string }).code ?? '';
  if (code.includes('TIMEOUT')) return 'timeout';
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connect';
  return 'connect';
}
