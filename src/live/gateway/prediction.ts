import type { Rng } from '../../kernel/rng.js';
import { createPredictor } from '../../predictors/registry.js';
import type { OutputPredictor, PredictionFeatures } from '../../predictors/predictor.js';

/**
 * Output-length prediction at admission, learnt online from each response's `usage`. Features are
 * what a gateway knows: the prompt's token count, the model name as the workload type, and the
 * client's `user` field as a session. Without a predictor every prediction is NaN (policies that do
 * not use predictions ignore it).
 */
export class LivePredictor {
  private readonly predictor: OutputPredictor | undefined;
  private readonly types = new Map<string, number>();
  private readonly sessions = new Map<string, number>();
  private readonly features: { -readonly [K in keyof PredictionFeatures]: PredictionFeatures[K] } = {
    promptTokens: 0,
    type: 0,
    sessionId: undefined,
    oracleOutputTokens: Number.NaN,
  };

  constructor(spec: string | undefined, rng: Rng) {
    this.predictor = spec === undefined ? undefined : createPredictor(spec, rng);
  }

  get name(): string | undefined {
    return this.predictor?.name;
  }

  private fill(promptTokens: number, model: string, user: string | undefined): PredictionFeatures {
    const f = this.features;
    f.promptTokens = promptTokens;
    let t = this.types.get(model);
    if (t === undefined) {
      t = Math.min(this.types.size, 255);
      this.types.set(model, t);
    }
    f.type = t;
    if (user === undefined) f.sessionId = undefined;
    else {
      let s = this.sessions.get(user);
      if (s === undefined) {
        s = this.sessions.size;
        // A bounded session table: a gateway lives long and users are unbounded.
        if (this.sessions.size < 100_000) this.sessions.set(user, s);
      }
      f.sessionId = s;
    }
    return f;
  }

  predict(promptTokens: number, model: string, user: string | undefined): number {
    return this.predictor ? this.predictor.predict(this.fill(promptTokens, model, user)) : Number.NaN;
  }

  observe(promptTokens: number, model: string, user: string | undefined, outputTokens: number): void {
    this.predictor?.observe(this.fill(promptTokens, model, user), outputTokens);
  }
}
