/**
 * `radpo goal`: the goal text built by the same code as training, so evaluation never retypes it.
 * Text mode prints the goal and a newline; with --placement user, training put "\n\n" between the goal
 * and the question. --json prints the message list to prepend (system) or the first user message.
 */
import type { RunCommand } from '../../cli/command.js';
import { readGoalSpec } from '../../cli/goal-spec.js';
import { goalMessages, goalText } from '../../core/goal.js';
import { goalConfig } from './config.js';
import type { goalFlags } from './flags.js';

export const run: RunCommand<typeof goalFlags> = async (_args, flags, { io }) => {
  const config = goalConfig(flags);
  const goal = goalText(readGoalSpec(config, config.attributes), config.values);
  io.stdout.write(
    config.json ? `${JSON.stringify(goalMessages(goal, config.placement, config.prompt))}\n` : `${goal}\n`,
  );
  return 'ok';
};
