/**
 * The goal prompt of arXiv 2410.08067, byte for byte as the reference code writes it
 * (scripts/reward_augmentation.py, `system_prompt`), and its placement in a conversation.
 * Pure: no I/O. See docs/METHOD.md.
 */
import { hint } from './hints.js';
import { RowError, ValueError } from './errors.js';
import type { Message } from './pair.js';

export interface Scale {
  min: number;
  max: number;
}

export const DEFAULT_SCALE: Scale = { min: 1, max: 10 };

/** The single-score attribute's label in the paper's text ("Overall score: 8."). */
const OVERALL = 'Overall score';

/**
 * Format a score as the reference does: `int(s) if int(s) == s else s`, then Python's str().
 * Whole numbers print without decimals (8.0 -> "8"); others as Python's shortest repr
 * (7.5 -> "7.5", 1e-05 -> "1e-05"), which differs from JavaScript's for small exponents.
 */
export function formatScore(score: number): string {
  if (!Number.isFinite(score)) throw new RangeError(`score must be finite, got ${score}`);
  // JavaScript prints integers below 1e21 and numbers from 1e-4 on exactly as Python's repr does.
  const magnitude = Math.abs(score);
  if (Number.isInteger(score)) return magnitude < 1e21 ? String(score === 0 ? 0 : score) : BigInt(score).toString();
  if (magnitude >= 1e-4) return String(score);
  // Python's repr of a non-integral float uses fixed notation when -4 <= exponent < 16.
  // Every float >= 2**52 is integral, so only the small-exponent side can differ from JS.
  const [mantissa, expText] = score.toExponential().split('e') as [string, string];
  const exponent = Number(expText);
  if (exponent >= -4) return String(score);
  const sign = exponent < 0 ? '-' : '+';
  const abs = Math.abs(exponent);
  return `${mantissa}e${sign}${abs < 10 ? '0' : ''}${abs}`;
}

/** Parse `MIN-MAX` (e.g. `1-10`, `0-4`, `-1-1`). */
export function parseScale(text: string): Scale {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) throw new ValueError(text, 'MIN-MAX such as 1-10 or 0-4');
  const min = Number(match[1]);
  const max = Number(match[2]);
  if (!(min < max)) throw new ValueError(text, undefined, 'MIN must be below MAX');
  return { min, max };
}

/**
 * The scale the default goal text names in `text` ("on a scale of 0-4, where 0 is lowest and 4 is
 * highest"), or null: how `radpo check` reads the scale a file was relabeled with.
 */
export function scaleNamedIn(text: string): Scale | null {
  const match = /on a scale of (-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?), where \1 is lowest and \2 is highest/.exec(text);
  if (!match) return null;
  const scale = { min: Number(match[1]), max: Number(match[2]) };
  return scale.min < scale.max ? scale : null;
}

function scaleClause(scale: Scale): string {
  const lo = formatScore(scale.min);
  const hi = formatScore(scale.max);
  return `on a scale of ${lo}-${hi}, where ${lo} is lowest and ${hi} is highest`;
}

/** One piece of a parsed template: literal text or a placeholder name. */
type TemplatePart = { text: string } | { name: string };

/**
 * How goal text is produced from scores. `attributes` is null for the paper's single overall score
 * (placeholder `{score}`), otherwise the attribute names in the order they appear in the goal.
 */
export interface GoalSpec {
  attributes: readonly string[] | null;
  scale: Scale;
  /** null: the paper's template. */
  template: readonly TemplatePart[] | null;
}

/** The paper's goal text starts with this, whatever the scale and attributes. */
export const PAPER_GOAL_PREFIX =
  'You are an assistant that generates responses for the instruction while implicitly achieving the ' +
  'following target scores';

const PAPER_HEADER = (scale: Scale) => `${PAPER_GOAL_PREFIX} (${scaleClause(scale)}):`;

/**
 * Parse a user's goal template: `{score}` (single score) or `{NAME}` per attribute, plus `{min}` and
 * `{max}` for the scale. `{{` and `}}` are literal braces. Plain substitution, never evaluated.
 * Unknown placeholders are a usage error so a typo does not silently end up in training data.
 */
export function parseGoalTemplate(source: string, attributes: readonly string[] | null): TemplatePart[] {
  const known = new Set(attributes ?? ['score']);
  known.add('min');
  known.add('max');
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '{' && source[i + 1] === '{') {
      literal += '{';
      i += 2;
    } else if (ch === '}' && source[i + 1] === '}') {
      literal += '}';
      i += 2;
    } else if (ch === '{') {
      const end = source.indexOf('}', i);
      if (end < 0)
        throw new ValueError('', undefined, `"{" at offset ${i} is never closed`, 'write {{ for a literal brace');
      const name = source.slice(i + 1, end);
      if (!known.has(name)) {
        throw new ValueError(
          '',
          undefined,
          `unknown placeholder {${name}}`,
          `known placeholders: ${[...known].map((k) => `{${k}}`).join(', ')}; write {{ and }} for literal braces`,
        );
      }
      if (literal) parts.push({ text: literal });
      literal = '';
      parts.push({ name });
      i = end + 1;
    } else if (ch === '}') {
      throw new ValueError('', undefined, `unmatched "}" at offset ${i}`, 'write }} for a literal brace');
    } else {
      literal += ch;
      i += 1;
    }
  }
  if (literal) parts.push({ text: literal });
  const used = new Set(parts.flatMap((p) => ('name' in p ? [p.name] : [])));
  const missing = [...(attributes ?? ['score'])].filter((a) => !used.has(a));
  if (missing.length > 0) {
    throw new ValueError(
      '',
      undefined,
      `the template never uses ${missing.map((m) => `{${m}}`).join(', ')}`,
      'every score must appear in the goal, or the two copies of a pair would get the same prompt',
    );
  }
  return parts;
}

/**
 * Goal texts already made, per spec and single score: a run has a few dozen distinct goals, written into
 * two rows per pair. Handing out the same string each time also lets a writer that caches a goal's bytes
 * find them by identity, instead of comparing ~230 characters it would first have to flatten.
 */
const madeGoals = new WeakMap<GoalSpec, Map<number, string>>();

/** The goal text for one set of scores (one per attribute, in GoalSpec order). */
export function goalText(spec: GoalSpec, scores: readonly number[]): string {
  if (scores.length !== 1) return makeGoalText(spec, scores);
  let made = madeGoals.get(spec);
  if (made === undefined) {
    made = new Map();
    madeGoals.set(spec, made);
  }
  let text = made.get(scores[0]!);
  if (text === undefined) {
    text = makeGoalText(spec, scores);
    if (made.size >= 4096) made.clear();
    made.set(scores[0]!, text);
  }
  return text;
}

function makeGoalText(spec: GoalSpec, scores: readonly number[]): string {
  if (spec.template === null) {
    if (spec.attributes === null) return `${PAPER_HEADER(spec.scale)}\n${OVERALL}: ${formatScore(scores[0]!)}.`;
    const lines = spec.attributes.map((name, i) => `${name}: ${formatScore(scores[i]!)}.`);
    return [PAPER_HEADER(spec.scale), ...lines].join('\n');
  }
  const values = new Map<string, string>();
  for (const [i, name] of (spec.attributes ?? ['score']).entries()) values.set(name, formatScore(scores[i]!));
  values.set('min', formatScore(spec.scale.min));
  values.set('max', formatScore(spec.scale.max));
  return spec.template.map((p) => ('text' in p ? p.text : values.get(p.name)!)).join('');
}

export const PLACEMENTS = ['system', 'user'] as const;
export type Placement = (typeof PLACEMENTS)[number];

/**
 * Put the goal into a prompt (a new list is returned; the input is not modified, and the messages the goal does
 * not change are shared with it: messages are never modified in place, so the two copies of a pair share them).
 * - system: a system message first; if one exists, the goal goes first in it, then a blank line.
 *   An empty existing system message is replaced, so the goal stays identical to `radpo goal`.
 * - user: the goal plus a blank line before the content of the first user message. A leading system
 *   message is folded into that turn (goal, blank line, system text, blank line, user text) and removed:
 *   the templates that need this placement (Gemma-2, Mistral v0.2) refuse a system role altogether.
 */
export function placeGoal(prompt: readonly Message[], goal: string, placement: Placement): Message[] {
  if (placement === 'system') {
    const first = prompt[0];
    if (first && first.role === 'system') {
      const existing = contentText(first, 'prompt[0].content');
      const out = prompt.slice();
      out[0] = { ...first, content: existing.trim() === '' ? goal : `${goal}\n\n${existing}` };
      return out;
    }
    const out: Message[] = [{ role: 'system', content: goal }];
    for (const m of prompt) out.push(m);
    return out;
  }
  const index = prompt.findIndex((m) => m.role === 'user');
  if (index < 0) {
    throw new RowError('bad_field', 'the prompt has no user message to put the goal in', {
      field: 'prompt',
      expected: 'a message with role "user"',
      found: `roles ${JSON.stringify(prompt.map((m) => m.role))}`,
      hint: hint('goal_in_system_message'),
    });
  }
  const target = prompt[index]!;
  const system = prompt[0]?.role === 'system' && index > 0 ? contentText(prompt[0], 'prompt[0].content') : null;
  const content = [goal, system, contentText(target, `prompt[${index}].content`)]
    .filter((part) => part !== null && part.trim() !== '')
    .join('\n\n');
  const out = prompt.slice();
  out[index] = { ...target, content };
  return system === null ? out : out.slice(1);
}

function contentText(message: Message, field: string): string {
  if (typeof message.content !== 'string') {
    throw new RowError('bad_field', 'cannot put the goal into non-text message content', {
      field,
      expected: 'a string',
      found: Array.isArray(message.content) ? 'a list of content parts' : typeof message.content,
    });
  }
  return message.content;
}

/** The goal as the message list an evaluation harness prepends (for `radpo goal --json`). */
export function goalMessages(goal: string, placement: Placement, userContent = ''): Message[] {
  if (placement === 'system')
    return userContent
      ? [
          { role: 'system', content: goal },
          { role: 'user', content: userContent },
        ]
      : [{ role: 'system', content: goal }];
  return [{ role: 'user', content: `${goal}\n\n${userContent}` }];
}

export function paperGoalSpec(): GoalSpec {
  return { attributes: null, scale: DEFAULT_SCALE, template: null };
}

const NUMBER_PATTERN = '(-?\\d+(?:\\.\\d+)?(?:e[+-]\\d+)?)';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The paper's goal text at the start of a message (any scale, any attributes), and the blank line after it. */
const PAPER_GOAL_AT_START = new RegExp(
  `^${escapeRegExp(PAPER_GOAL_PREFIX)} \\([^)]*\\):(?:\\n[^\\n:]+: ${NUMBER_PATTERN}\\.)+(?:\\n\\n)?`,
);

/**
 * The prompt as it was before the paper's goal was placed in it (system or user placement): what pairs
 * of one prompt have in common once relabeled, each with its own goal. A message left empty is dropped.
 */
export function withoutPaperGoal(prompt: readonly Message[]): Message[] {
  const out: Message[] = [];
  for (const message of prompt) {
    if (typeof message.content === 'string' && (message.role === 'system' || message.role === 'user')) {
      const content = message.content.replace(PAPER_GOAL_AT_START, '');
      if (content !== message.content) {
        if (content !== '' || message.role === 'user') out.push({ ...message, content });
        continue;
      }
    }
    out.push(message);
  }
  return out;
}

/**
 * A regular expression that finds goal text written with `spec` (any scores), capturing the scores in
 * attribute order. Used by `radpo check` to read the goal back out of relabeled rows.
 */
export function goalPattern(spec: GoalSpec): { regex: RegExp; groups: string[] } {
  const names = spec.attributes ?? ['score'];
  let source: string;
  const groups: string[] = [];
  if (spec.template === null) {
    const header = escapeRegExp(PAPER_HEADER(spec.scale));
    const lines = (spec.attributes ?? [OVERALL]).map((name) => `\\n${escapeRegExp(name)}: ${NUMBER_PATTERN}\\.`);
    source = header + lines.join('');
    groups.push(...names);
  } else {
    const fixed = new Map([
      ['min', formatScore(spec.scale.min)],
      ['max', formatScore(spec.scale.max)],
    ]);
    source = spec.template
      .map((part) => {
        if ('text' in part) return escapeRegExp(part.text);
        if (fixed.has(part.name) && !names.includes(part.name)) return escapeRegExp(fixed.get(part.name)!);
        groups.push(part.name);
        return NUMBER_PATTERN;
      })
      .join('');
  }
  return { regex: new RegExp(source, 'g'), groups };
}

/** The scores written in a goal text matched by goalPattern, in attribute order. */
export function scoresFromGoal(spec: GoalSpec, groups: readonly string[], match: RegExpExecArray): number[] {
  return (spec.attributes ?? ['score']).map((name) => Number(match[groups.indexOf(name) + 1]));
}
