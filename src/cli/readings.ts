/**
 * The registry's readings (core/input-layouts.ts) as commands a user can run: each column role worded as its
 * flag. radpo inspect prints them; relabel warns with them where two layouts fit one record, so the flags
 * that pick the other are named where the choice was made.
 */
import { readingsOf, type ColumnRole, type Reading } from '../core/input-layouts.js';
import type { ShapeOptions } from '../core/pair.js';
import { shellQuote } from '../core/terminal.js';

const ROLE_FLAGS: Record<ColumnRole, string> = {
  prompt: '--prompt-col',
  chosen: '--chosen-col',
  rejected: '--rejected-col',
  responseA: '--response-a-col',
  responseB: '--response-b-col',
  winner: '--winner-col',
  scoreA: '--score-a-col',
  scoreB: '--score-b-col',
  responses: '--responses-col',
  textField: '--text-field',
  group: '--group-col',
  response: '--response-col',
  score: '--score-col',
};

/**
 * A label column's values mapped to A, B and a tie, from the values the file holds: a guess only where
 * the values say it (1 and 2, a and b, model_a and model_b); otherwise the values, for the user to map.
 */
function winnerValues(seen: ReadonlySet<string>): string {
  const values = [...seen].sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  const plain = [
    ['1', '2'],
    ['a', 'b'],
    ['A', 'B'],
    ['model_a', 'model_b'],
  ];
  if (plain.some(([a, b]) => values.length === 2 && values[0] === a && values[1] === b))
    return `A=${values[0]},B=${values[1]}`;
  return `A=…,B=…,tie=… (the label's values: ${values.map(shellQuote).join(', ')})`;
}

/** The command that reads the input as one reading of the registry. */
export function commandOf(reading: Reading, labels: ReadonlySet<string>): string {
  const flags = reading.columns.map(([role, column]) => `${ROLE_FLAGS[role]} ${shellQuote(column)}`);
  if (reading.winnerColumn) flags.push(`--winner-values ${winnerValues(labels)}`);
  const judge = reading.command === 'score' ? ' --judge chat|reward …' : '';
  return `radpo ${reading.command} FILE${flags.length > 0 ? ` ${flags.join(' ')}` : ''}${judge}`;
}

/**
 * Where two known layouts fit one record (chosen/rejected beside chosen_messages/rejected_messages; a
 * responses list beside chosen/rejected), each reading by name with the command and columns that pick
 * it, the one radpo read first; null where one fits, or where the user named the pair's columns (or the A/B ones):
 * the flags already picked one.
 */
export function severalReadings(record: unknown, named: ShapeOptions): string | null {
  const { prompt, chosen, rejected, winner, schema } = named;
  if ([prompt, chosen, rejected, winner, schema].some((v) => v !== undefined)) return null;
  // Data that is no pairs is said on its own (UnpairedCheck): no command to pick it by.
  const known = readingsOf(record).filter((r) => r.known && r.command !== 'none');
  if (known.length < 2) return null;
  // The reading radpo's pair reader took: the first relabel reading (the registry's order is detectShape's).
  const read = known.find((r) => r.command === 'relabel');
  const lines = known.map((r) => {
    const flags = r.command === 'relabel' ? (r.picks ?? []) : [];
    const command = commandOf({ ...r, columns: flags }, new Set());
    return `${r === read ? 'read as' : 'or as'} ${r.layout} (${r.reason}): ${command}`;
  });
  return `several layouts fit the first record:\n    ${lines.join('\n    ')}`;
}
