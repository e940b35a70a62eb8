import type { Scenario } from '../types.js';
import type { BotOp } from './bot-ops.js';
import { prepareBotSchema, verifyBotSchema } from './bot-schema.js';

/** How to build a scenario from weighted bot operations. */
export interface WeightedScenarioSpec {
  name: string;
  description: string;
  defaultDurationMs: number;
  processes?: number;
  /** `[weight, operation]` pairs; weights need not sum to anything. */
  mix: readonly (readonly [number, BotOp])[];
}

/**
 * A scenario whose every step picks one bot operation by weight, on the bot schema, with the
 * schema's integrity check.
 *
 * @example
 * ```ts
 * const reads = weightedScenario({ name: 'reads', description: '', defaultDurationMs: 1000, mix: [[1, profileRead]] });
 * ```
 */
export function weightedScenario(spec: WeightedScenarioSpec): Scenario {
  const total = spec.mix.reduce((sum, [w]) => sum + w, 0);
  return {
    name: spec.name,
    description: spec.description,
    defaultDurationMs: spec.defaultDurationMs,
    ...(spec.processes ? { processes: spec.processes } : {}),
    prepare: prepareBotSchema,
    verify: verifyBotSchema,
    step(ctx) {
      let pick = ctx.random() * total;
      for (const [weight, op] of spec.mix) {
        pick -= weight;
        if (pick < 0) return op(ctx);
      }
      return (spec.mix[spec.mix.length - 1] as readonly [number, BotOp])[1](ctx);
    },
  };
}
