/**
 * The shape of a fitted preset as embedded in azurePresetData.ts (see fitPresets.ts for the fit).
 * Kept apart from the fitting code so presets load without the trace readers.
 */

/**
 * Probabilities of the embedded quantile knots: every percentile, plus 99.5, 99.9, 99.95 and 99.99
 * so that interpolation towards a lone maximum (conversation prompt 14,050) covers only 0.01%.
 */
export const QUANTILE_PROBS: readonly number[] = [
  ...Array.from({ length: 100 }, (_, i) => i / 100),
  0.995,
  0.999,
  0.9995,
  0.9999,
  1,
];

export type ArrivalFit =
  | { readonly kind: 'onoff'; readonly rateOn: number; readonly meanOnS: number; readonly meanOffS: number }
  | { readonly kind: 'gamma'; readonly cv: number };

export type OutputFit =
  | { readonly kind: 'marginal'; readonly quantiles: readonly number[] }
  | { readonly kind: 'binned'; readonly lowerEdges: readonly number[]; readonly quantiles: readonly (readonly number[])[] };

export interface PresetFit {
  /** File the fit came from. */
  readonly source: string;
  readonly type: string;
  readonly count: number;
  readonly durationS: number;
  readonly meanRatePerS: number;
  readonly arrival: ArrivalFit;
  /** Prompt-token quantiles at QUANTILE_PROBS. */
  readonly prompt: readonly number[];
  readonly output: OutputFit;
}

export interface FitChoice {
  readonly arrival: ArrivalFit['kind'];
  readonly output: OutputFit['kind'];
}

