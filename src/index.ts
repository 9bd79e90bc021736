/** Library entry: the pure core, for programs that relabel in-process. */
export { formatScore, goalText, placeGoal, parseScale, parseGoalTemplate, paperGoalSpec, DEFAULT_SCALE, type GoalSpec, type Placement, type Scale } from './core/goal.js';
export { relabelPair, isTie, contradictsLabel, type RelabeledPair, type CopyKind } from './core/relabel.js';
export { detectShape, toPair, parseTranscript, type Message, type Pair, type Shape } from './core/pair.js';
export { resolveScoreColumns, readScores, parseScore, KNOWN_SCORE_COLUMNS } from './core/scores.js';
export { toTrlRow, toHandbookRow } from './core/formats.js';
export { RowError, RadpoError, ROW_REASONS, type RowReason } from './core/errors.js';
export { main, type Io } from './cli/main.js';
