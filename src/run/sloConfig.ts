import { z } from 'zod';
import { DEFAULT_E2E_SLACK } from '../sim/slo.js';

/**
 * The `slo` block of the config. Each target keeps its own default when others are given: setting
 * `ttftS` (or writing `"slo": {}`) leaves the end-to-end slack at its default of 5 instead of
 * silently dropping it. `e2eSlack: 0` turns the slack SLO off. GAPS's calibrated per-request
 * deadline (`deadline: 'gaps'`) is itself an end-to-end deadline: it takes the slack's place unless
 * `e2eSlack` is also given.
 */
const SloObject = z
  .object({
    ttftS: z.number().positive().optional(),
    tpotS: z.number().positive().optional(),
    e2eSlack: z.number().min(0).optional(),
    /** 'gaps': each request is judged against its calibrated deadline (GAPS Eq. 2/8; docs/GAPS.md). */
    deadline: z.enum(['gaps']).optional(),
    /** Multiple of the unloaded latency of s~ in that deadline (default 5). */
    deadlineSlack: z.number().positive().optional(),
    /** Time-between-tokens target for every request without its own, seconds. */
    tbtS: z.number().positive().optional(),
    /** TBT targets by workload type, seconds (before `tbtS`). */
    tbtByType: z.record(z.string(), z.number().positive()).optional(),
  })
  .strict();

export const SloSchema = SloObject.default({})
  .transform((s) => ({ ...s, e2eSlack: s.e2eSlack ?? (s.deadline !== undefined ? 0 : DEFAULT_E2E_SLACK) }));
