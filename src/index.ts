/**
 * Library entry: the pure core (goal text, placement, the two copies, shapes, scores, layouts) for
 * programs that relabel in-process, and `main` for running the CLI in-process (it is not part of the core).
 */
export {
  formatScore,
  goalText,
  placeGoal,
  parseScale,
  parseGoalTemplate,
  paperGoalSpec,
  DEFAULT_SCALE,
  type GoalSpec,
  type Placement,
  type Scale,
} from './core/goal.js';
export { relabelPair, isTie, contradictsLabel, type RelabeledPair, type CopyKind } from './core/relabel.js';
export { detectShape, pairOf, readPair, parseTranscript, type Message, type Pair, type Shape } from './core/pair.js';
export { resolveScoreColumns, readScores, parseScore, KNOWN_SCORE_COLUMNS } from './core/scores.js';
export { toTrlRow, toHandbookRow } from './core/layouts.js';
export { RowError, RadpoError, ROW_REASONS, type RowReason } from './core/errors.js';
export { main, type Io } from './main.js';
