/**
 * A user's rubric file (--rubric FILE), JSON or YAML (.yaml/.yml: a long template reads best as a block
 * scalar): {template, pattern, min, max, system?, attributes?}, checked
 * with one zod schema and worded as every file radpo reads is (io/file-schema.ts). Loaded only when a rubric
 * file is given, so zod stays out of every other run's start.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { usageError } from '../core/errors.js';
import { parseFileData } from '../io/file-schema.js';
import type { Rubric } from './rubrics.js';

/** The regular expression a pattern becomes: anchored at the end of the judge's output unless it is already. */
const anchored = (pattern: string) => new RegExp(pattern.endsWith('$') ? pattern : `${pattern}\\s*$`);

const RubricFile = z
  .strictObject({
    template: z
      .string()
      .refine((t) => t.includes('{prompt}') && t.includes('{response}'), 'a string with {prompt} and {response}'),
    pattern: z.string().superRefine((pattern, ctx) => {
      try {
        anchored(pattern);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `a valid regular expression (${(err as Error).message})` });
      }
    }),
    min: z.number(),
    max: z.number(),
    system: z.string().optional(),
    attributes: z
      .array(z.string().regex(/^[A-Za-z][A-Za-z0-9 _-]*$/, 'a name of letters, digits, spaces, _ or -'))
      .min(1, 'a list of at least one name')
      .optional(),
  })
  .superRefine((rubric, ctx) => {
    if (!(rubric.min < rubric.max)) ctx.addIssue({ code: 'custom', path: ['max'], message: `a number above min` });
    let groups: number;
    try {
      groups = (new RegExp(`${anchored(rubric.pattern).source}|`).exec('')?.length ?? 1) - 1;
    } catch {
      return; // the pattern's own issue says why
    }
    // The score is the pattern's first group (judge/rubrics.ts parseVerdict): without one, every verdict
    // would be unparseable, after the judge had been paid to write it.
    if (rubric.attributes === undefined) {
      if (groups < 1)
        ctx.addIssue({
          code: 'custom',
          path: ['pattern'],
          message: 'a regular expression with a group around the score, e.g. "Score: (\\d+)"',
        });
      return;
    }
    if (groups < rubric.attributes.length)
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        message:
          `${rubric.attributes.length} groups, one per attribute ` +
          `(it has ${groups} groups for ${rubric.attributes.length} attributes)`,
      });
  });

const EXAMPLE =
  'a rubric file is JSON: {"template": "…{prompt}…{response}…", "pattern": "Score: (\\\\d+)\\\\s*$", ' +
  '"min": 1, "max": 5}, or the same keys in YAML (NAME.yaml)';

/** A user's rubric from its text, JSON or YAML by the name's extension; `source` names the file in errors. */
export function parseRubric(text: string, source: string): Rubric {
  const yaml = /\.ya?ml$/i.test(source);
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    throw usageError(`--rubric ${source}: not valid ${yaml ? 'YAML' : 'JSON'} (${why})`, EXAMPLE);
  }
  const rubric = parseFileData(RubricFile, raw, `--rubric ${source}`, EXAMPLE);
  return {
    name: `file:${source}`,
    system: rubric.system ?? null,
    template: rubric.template,
    pattern: anchored(rubric.pattern),
    min: rubric.min,
    max: rubric.max,
    attributes: rubric.attributes ?? null,
  };
}
