import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { errorBody, HttpError } from './openai.js';

/** Default request body limit (bytes): large enough for long prompts, small enough to refuse abuse. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * A fastify app with the error shape of the OpenAI API: malformed JSON and bad fields are 400s with
 * `{error: {message, type, param, code}}`, oversized bodies 413, unknown routes 404; a bug is a 500
 * whose body says only that (the stack stays on the server).
 */
export function openAiApp(bodyLimit = DEFAULT_BODY_LIMIT): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit, forceCloseConnections: true, return503OnClosing: true });
  app.setErrorHandler((err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) return reply.code(err.status).send(errorBody(err.status, err.message, err.type, err.param));
    const e = err as { statusCode?: number; code?: string; message?: string };
    const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    if (status === 500) {
      process.stderr.write(`gaps live: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      return reply.code(500).send(errorBody(500, 'internal error'));
    }
    const json = status === 400 && (e.code?.startsWith('FST_ERR_CTP') === true || err instanceof SyntaxError);
    return reply.code(status).send(errorBody(status, json ? `malformed JSON body: ${e.message ?? ''}` : (e.message ?? 'bad request')));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody(404, `no route ${req.method} ${req.url}`)));
  return app;
}

/** Checks `Authorization: Bearer KEY` against the allowed keys; none configured = open. */
export function checkBearer(req: FastifyRequest, keys: readonly string[], what: string): void {
  if (keys.length === 0) return;
  const h = req.headers.authorization;
  const key = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
  if (key === undefined || !keys.includes(key)) throw new HttpError(401, `${what}: missing or invalid API key (Authorization: Bearer KEY)`, 'authentication_error');
}

/** Writes an SSE `data:` event. */
export function sseData(raw: NodeJS.WritableStream, payload: unknown): void {
  raw.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
} as const;
