import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { StepContext } from '../types.js';
import { USERS } from './bot-schema.js';

/** One kind of bot operation. */
export type BotOp = (ctx: StepContext) => Promise<void>;

const userId = (ctx: StepContext): number => 1 + Math.floor(ctx.random() * USERS);

/** A profile card: one user's row. */
export const profileRead: BotOp = async (ctx) => {
  await ctx.db.get('SELECT id, name, xp, level FROM users WHERE id = ?', [userId(ctx)]);
};

/** The top-ten leaderboard. */
export const leaderboardRead: BotOp = async (ctx) => {
  await ctx.db.all('SELECT id, name, xp FROM users ORDER BY xp DESC LIMIT 10');
};

/** A logged message: one autocommit INSERT through `db.run`. */
export const logMessage: BotOp = async (ctx) => {
  const opId = ctx.nextOpId();
  await ctx.db.run('INSERT INTO messages (op_id, user_id, body) VALUES (?, ?, ?)', [opId, userId(ctx), 'gg']);
  ctx.ack(opId);
};

/**
 * An XP award: a ledger row and the user's total, in one transaction. With a `pause`, the
 * transaction reads the profile first and then awaits before writing, holding the write lock
 * meanwhile: `'turn'` for one event-loop turn (a bot awaiting a cache or another promise),
 * a number for that many milliseconds (a bot calling an API mid-transaction).
 */
export function awardXp(pause?: 'turn' | number): BotOp {
  return async (ctx) => {
    const opId = ctx.nextOpId();
    const user = userId(ctx);
    const points = 1 + Math.floor(ctx.random() * 20);
    await ctx.db.transaction(async (tx) => {
      if (pause !== undefined) {
        await tx.get('SELECT xp FROM users WHERE id = ?', [user]);
        await (pause === 'turn' ? nextTurn() : sleep(pause));
      }
      await tx.run('INSERT INTO xp_events (op_id, user_id, points) VALUES (?, ?, ?)', [opId, user, points]);
      await tx.run('UPDATE users SET xp = xp + ? WHERE id = ?', [points, user]);
    });
    ctx.ack(opId);
  };
}
