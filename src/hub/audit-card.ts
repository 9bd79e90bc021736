/**
 * `--audit FILE` with `-o DIR/`: the headline figures of `radpo audit --json` (schema radpo.audit/v1) in the dataset
 * card, so whoever loads the data sees how far its scores can be trusted. The file is read when the folder is opened
 * (a missing or foreign file stops the run before any work); the card names the inputs the audit read.
 */
import { z } from 'zod';
import { usageError } from '../core/errors.js';
import { readFlagFile } from '../io/files.js';
import { parseFileData } from '../io/file-schema.js';

const HINT = 'give the JSON `radpo audit --json` prints for the inputs';

const estimate = z.object({ value: z.number(), ci: z.tuple([z.number(), z.number()]).nullish(), n: z.number() });

const auditSchema = z.object({
  schema: z.literal('radpo.audit/v1'),
  inputs: z.array(z.object({ source: z.string() })),
  pairs: z.number(),
  prompts: z.number(),
  ties: z.object({ count: z.number(), rate: z.number().nullable() }),
  label_agreement: z.object({ ties_dropped: estimate.nullable() }).nullable(),
  conflicts: z.object({ count: z.number(), rate: z.number().nullable(), ci: z.array(z.number()).nullish() }).nullable(),
  length_bias: z.object({ p_higher_score_longer: estimate.omit({ ci: true }).nullable() }).nullable(),
  suggested_min_gap: z.object({ gap: z.number().nullable(), reason: z.string().nullish() }).nullable(),
  warnings: z.array(z.object({ code: z.string() })),
});

export type AuditFacts = z.infer<typeof auditSchema>;

export function readAuditFacts(path: string): AuditFacts {
  const text = readFlagFile('--audit', path);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw usageError(`--audit ${path}: not JSON (${(err as Error).message})`, HINT);
  }
  return parseFileData(auditSchema, data, `--audit ${path}`, HINT);
}

const fixed = (x: number) => x.toFixed(3);
const interval = (ci: readonly number[] | null | undefined) =>
  ci && ci.length === 2 ? `${fixed(ci[0]!)}–${fixed(ci[1]!)}` : '';

/** The card's lines: a table of the headline figures, what was audited, the warnings' codes. */
export function auditSection(a: AuditFacts): string[] {
  const rows: string[][] = [];
  const agreement = a.label_agreement?.ties_dropped;
  if (agreement)
    rows.push([
      'agreement of the scores with the labels (ties dropped)',
      fixed(agreement.value),
      interval(agreement.ci),
      String(agreement.n),
    ]);
  if (a.conflicts?.rate != null)
    rows.push([
      'conflicts (the chosen response scored lower)',
      `${fixed(a.conflicts.rate)} (${a.conflicts.count})`,
      interval(a.conflicts.ci),
      String(a.pairs),
    ]);
  if (a.ties.rate !== null)
    rows.push(['ties (equal scores)', `${fixed(a.ties.rate)} (${a.ties.count})`, '', String(a.pairs)]);
  const longer = a.length_bias?.p_higher_score_longer;
  if (longer) rows.push(['the higher score is the longer response', fixed(longer.value), '', String(longer.n)]);
  const gap = a.suggested_min_gap;
  if (gap) rows.push(['suggested --min-gap', gap.gap === null ? `none: ${gap.reason ?? ''}` : String(gap.gap), '', '']);
  return [
    `Audit of the scores (\`radpo audit\` of ${a.inputs.map((i) => `\`${i.source}\``).join(', ')}: ` +
      `${a.pairs} pairs over ${a.prompts} prompts):`,
    '',
    '| figure | value | 95% CI | n |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
    ...(a.warnings.length
      ? ['', `Audit warnings: ${[...new Set(a.warnings.map((w) => `\`${w.code}\``))].join(', ')}`]
      : []),
  ];
}
