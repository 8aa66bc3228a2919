import type { OnOffShape } from './arrivals.js';
import type { LengthDist, OutputModel } from './lengths.js';
import type { ArrivalShape } from './specs.js';

/** One request type of a preset, with its fitted defaults. */
export interface PresetComponent {
  readonly type: string;
  readonly meanRatePerS: number;
  readonly arrival: ArrivalShape;
  /** The on/off shape used when the user asks for 'onoff' without parameters. */
  readonly onOffShape: OnOffShape;
  readonly prompt: LengthDist;
  readonly output: OutputModel;
}

export interface Preset {
  readonly name: string;
  readonly description: string;
  /** Merged by arrival time; each keeps its own random streams and type label. */
  readonly components: readonly PresetComponent[];
  /** Requests generated when neither numRequests nor durationS is given: the source traces' size. */
  readonly defaultNumRequests: number;
}
