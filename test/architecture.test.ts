/**
 * The claims of ARCHITECTURE.md a test can hold: the layering rule, checked on the import statements of src/
 * (a small graph of our own: relative imports are all there is to see, so no dependency is needed for it),
 * what a command's start loads, where exit codes, flag names and flag-named files are handled.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { longName } from '../src/cli/flags.js';
import { wordHint } from '../src/cli/hints.js';
import { HINT_KEYS, hint } from '../src/core/hints.js';
import { COMMANDS } from '../src/main.js';
import { ROOT } from './helpers.js';

const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** file (relative to src/) -> the src files it imports, type-only imports included (they are dependencies too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [
      ...text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/gm),
    ].map((m) => m[1] ?? m[2]!);
    graph.set(
      relative(SRC, file),
      targets.map((t) => relative(SRC, resolve(dirname(file), t)).replace(/\.js$/, '.ts')),
    );
  }
  return graph;
}

/** file (relative to src/) -> what it loads when it is loaded: static imports of values (no types, no import()). */
function staticGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
    graph.set(
      relative(SRC, file),
      targets.map((t) => (t.startsWith('.') ? relative(SRC, resolve(dirname(file), t)).replace(/\.js$/, '.ts') : t)),
    );
  }
  return graph;
}

/** Every module (src files, and packages by name) loaded with `start`, itself included. */
function closure(graph: Map<string, string[]>, start: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const target of graph.get(file) ?? []) visit(target);
  };
  visit(start);
  return [...seen].sort();
}

/** The layer of a file: its top folder, with each command its own unit ('commands/relabel'). */
function unit(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return parts[0]!.replace(/\.ts$/, '');
  return parts[0] === 'commands' ? `commands/${parts[1]}` : parts[0]!;
}

/** What each layer may import besides itself. */
const ALLOWED: Record<string, string[]> = {
  core: [],
  io: ['core'],
  server: ['core', 'io'],
  judge: ['core', 'io', 'server'],
  sampler: ['core', 'io', 'server'],
  templates: ['core', 'io'],
  hub: ['core', 'io'],
  pipeline: ['core', 'io', 'server', 'judge', 'templates', 'hub'],
  cli: ['core', 'io', 'server', 'judge', 'pipeline', 'templates'],
  commands: ['core', 'io', 'server', 'judge', 'sampler', 'pipeline', 'templates', 'cli'],
  main: ['core', 'io', 'cli', 'commands'],
  index: ['core', 'main', 'io'],
};

function layeringViolations(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    const from = unit(file);
    const layer = from.split('/')[0]!;
    for (const target of targets) {
      const to = unit(target);
      if (to === from) continue;
      const toLayer = to.split('/')[0]!;
      // A command imports no other command.
      if (!ALLOWED[layer]?.includes(toLayer) || (layer === 'commands' && toLayer === 'commands'))
        found.push(`${file} imports ${target}`);
    }
  }
  return found;
}

/** Circles between files, and between units (two folders that import each other). */
function cycles(graph: Map<string, string[]>, key: (file: string) => string): string[] {
  const edges = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = key(file);
    for (const t of targets)
      if (key(t) !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(key(t));
  }
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m].join(' -> '));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of edges.keys()) if (!state.has(n)) visit(n);
  return found;
}

describe('architecture', () => {
  const graph = importGraph();

  it('reads the whole tree', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get('main.ts')).toContain('commands/relabel/command.ts');
  });

  it('core, io and judge never import cli, commands or main; each layer imports only those below it', () => {
    expect(layeringViolations(graph)).toEqual([]);
  });

  it('no two files and no two folders import each other in a circle', () => {
    expect(cycles(graph, (f) => f)).toEqual([]);
    expect(cycles(graph, unit)).toEqual([]);
  });

  it('the checks catch what they are for', () => {
    const bad = new Map([
      ['core/goal.ts', ['cli/flags.ts']],
      ['io/records.ts', ['io/parquet.ts']],
      ['io/parquet.ts', ['io/records.ts']],
      ['commands/score/run.ts', ['commands/relabel/run.ts']],
    ]);
    expect(layeringViolations(bad)).toEqual([
      'core/goal.ts imports cli/flags.ts',
      'commands/score/run.ts imports commands/relabel/run.ts',
    ]);
    expect(cycles(bad, (f) => f)).toEqual(['io/records.ts -> io/parquet.ts -> io/records.ts']);
  });

  it('the core imports no I/O, network or process module', () => {
    for (const file of sourceFiles(join(SRC, 'core'))) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(
        /from\s+'(node:)?(fs|net|http|https|child_process|worker_threads|os|process)(\/[a-z]+)?'/,
      );
      expect(text, file).not.toMatch(/\bprocess\./);
    }
  });

  it('the core names no flag (its hints are keys src/cli/hints.ts words) and throws no usage error', () => {
    const flagNames = new Set(
      COMMANDS.flatMap((command) => Object.values(command.flags).map((flag) => longName(flag.flags))),
    );
    flagNames.add('--no-cache').add('--no-preflight').add('--no-color');
    expect(namedFlags('a hint: lower --min-gap', flagNames)).toEqual(['--min-gap']);
    expect(namedFlags('`# try: radpo check --max-length 4096`', flagNames)).toEqual([]);
    for (const file of sourceFiles(join(SRC, 'core'))) {
      const text = readFileSync(file, 'utf8');
      expect(namedFlags(text, flagNames), file).toEqual([]);
      if (!file.endsWith('errors.ts')) expect(text, file).not.toMatch(/usageError\(|new RadpoError\('usage'/);
    }
  });

  it('every hint key has its words in the CLI', () => {
    for (const key of HINT_KEYS) expect(wordHint(hint(key)), key).not.toBe('');
  });
});

describe('ARCHITECTURE.md, claim by claim', () => {
  const loads = staticGraph();
  const flagNames = new Set(COMMANDS.flatMap((c) => Object.values(c.flags).map((flag) => longName(flag.flags))));
  flagNames.add('--no-cache').add('--no-preflight').add('--no-color');
  const text = (file: string) => readFileSync(join(SRC, file), 'utf8');
  const files = () => sourceFiles(SRC).map((f) => relative(SRC, f));

  it('main.ts turns outcomes into exit codes: src/ never exits; bin/radpo.js only on a second signal or EPIPE', () => {
    expect(files().filter((f) => /process\.exit(Code)?\b/.test(text(f).replace(/^\s*(\*|\/\/).*$/gm, '')))).toEqual([]);
    const bin = readFileSync(join(ROOT, 'bin', 'radpo.js'), 'utf8');
    expect([...bin.matchAll(/process\.exit\((\d+)\)/g)].map((m) => m[1])).toEqual(['130', '0']);
    // The exit code main() returns, or 1 when stdout failed after the run (output lost).
    expect([...bin.matchAll(/process\.exitCode = ([^;]+);/g)].map((m) => m[1])).toEqual(['1', 'code']);
    // Signals are caught before radpo's modules load (~0.2 s): a static import would run before the handlers,
    // and a SIGTERM then killed the process (143) instead of interrupting it (130).
    expect(bin).not.toMatch(/^import .*dist\//m);
    expect(bin.indexOf('process.on(signal')).toBeGreaterThan(0);
    expect(bin.indexOf('process.on(signal')).toBeLessThan(bin.indexOf("await import('../dist/bundle/main.js')"));
  });

  it('server/ names flags only through the ServerRole the CLI passes in', () => {
    const named = files()
      .filter((f) => f.startsWith('server/'))
      .flatMap((f) => namedFlags(text(f), flagNames).map((flag) => `${f}: ${flag}`));
    expect(named).toEqual([]);
  });

  it('files a flag names are read through readFlagFile (io/files.ts) only', () => {
    const readers = files().filter((f) => /\breadFileSync\(|\breadFile\(/.test(text(f)));
    // dataset_info.json is an output radpo merges its entry into, not a file a flag names; hub/ reads the
    // Hub cache, the token file and a dataset card, which the environment and the Hub name, not a flag.
    expect(readers.filter((f) => !f.startsWith('hub/'))).toEqual(['commands/relabel/dataset-info.ts', 'io/files.ts']);
  });

  it("a layout of pairs is one INPUT_LAYOUTS entry: its column names are the registry's, not the reader's", () => {
    // The names that gave detectShape's branches away (ShareGPT, OpenAI's DPO format, LLaMA-Factory v1, the
    // chosen/rejected vocabulary) are the registry's; core/pair.ts reads the columns the registry hands it.
    const reader = text('core/pair.ts').replace(/^\s*(\*|\/\/).*$/gm, '');
    const columns = ['conversations', 'preferred_output', 'chosen_messages', 'response_j', 'question'];
    const named = columns.filter((c) => new RegExp(`['".]${c}\\b`).test(reader));
    expect(named).toEqual([]);
    for (const column of columns) expect(text('core/input-layouts.ts')).toContain(`'${column}'`);
  });

  it('production code knows nothing of the test build: no path into dist/', () => {
    expect(files().filter((f) => /['"`/]dist\//.test(text(f)))).toEqual([]);
  });

  it("main.ts's start loads the command list and the choice lists: no reader, writer, server, judge or run.ts", () => {
    const start = closure(loads, 'main.ts');
    expect(start).toContain('commands/relabel/flags.ts');
    const HEAVY = [
      /^io\/(records|output|parquet|rawjson|target)\.ts$/,
      /^server\/(session|http|cache|preflight|batch)\.ts$/,
      /^judge\/(judge|stage|session|wire|rubrics)\.ts$/,
      /^pipeline\/(run-rows|run-output|inputs)\.ts$/,
      /^templates\/(check|chat-template)\.ts$/,
      /\/run\.ts$/,
    ];
    const heavy = start.filter((m) => HEAVY.some((pattern) => pattern.test(m)));
    expect(heavy).toEqual([]);
    // Of the packages, commander only (zod, YAML, pino, hyparquet load with the command that needs them).
    expect(start.filter((m) => !m.endsWith('.ts') && !m.startsWith('node:'))).toEqual(['commander']);
  });

  it('the bundle bin/radpo.js loads keeps the start light: of the packages commander only, no run.ts', () => {
    // scripts/bundle.mjs bundles tsc's output with code splitting; what main.js imports statically is what every
    // command loads at start-up (global-setup builds it).
    const BUNDLE = join(ROOT, 'dist', 'bundle');
    const chunkImports = (file: string) =>
      [
        ...readFileSync(join(BUNDLE, file), 'utf8').matchAll(/^import\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"/gm),
      ].map((m) => m[1] ?? m[2]!);
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const target of chunkImports(file)) if (target.startsWith('./')) visit(target.slice(2));
    };
    visit('main.js');
    const packages = [...loaded].flatMap((f) => chunkImports(f)).filter((t) => !t.startsWith('./'));
    expect([...new Set(packages.filter((p) => !p.startsWith('node:')))]).toEqual(['commander']);
    // The relabel run (its reader and the byte-level parser) is in a chunk main.js loads only with the command.
    const statically = [...loaded].map((f) => readFileSync(join(BUNDLE, f), 'utf8')).join('\n');
    expect(statically).not.toContain('function parseRaw(');
    expect(statically).not.toContain('function spliceTrlRows(');
    expect(existsSync(join(BUNDLE, 'worker.js'))).toBe(true);
  });

  it("a command's config.ts is pure: it and what it loads touch no file, network, process or environment", () => {
    const configs = files().filter((f) => /^commands\/[a-z]+\/config\.ts$/.test(f));
    // Every command has one.
    expect(configs.map((f) => f.split('/')[1])).toEqual(COMMANDS.map((c) => c.name).sort());
    for (const config of configs) {
      const loaded = closure(loads, config);
      expect(
        loaded.filter((m) => m.startsWith('node:') || !m.endsWith('.ts')).filter((m) => m !== 'commander'),
        config,
      ).toEqual([]);
      expect(
        loaded.filter(
          (m) => m.endsWith('.ts') && /\bprocess\.|\breadFlagFile\(/.test(text(m).replace(/^\s*(\*|\/\/).*$/gm, '')),
        ),
        config,
      ).toEqual([]);
    }
  });

  it('one Logger type: only io/log.ts names pino, which it loads for --log-format json alone', () => {
    expect(files().filter((f) => /from 'pino'|require\('pino'\)|import\('pino'\)/.test(text(f)))).toEqual([
      'io/log.ts',
    ]);
    expect(closure(loads, 'io/log.ts')).not.toContain('pino');
  });

  it('tests mirror src/: test/core, io and pipeline name their module; test/commands/<name> a command', () => {
    const TEST = join(ROOT, 'test');
    const strays = ['core', 'io', 'pipeline'].flatMap((layer) =>
      readdirSync(join(TEST, layer))
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => `${layer}/${f.replace(/\.test\.ts$/, '.ts')}`)
        .filter((module) => !files().includes(module)),
    );
    expect(strays).toEqual([]);
    const commands = readdirSync(join(TEST, 'commands'));
    expect(commands.filter((name) => !files().includes(`commands/${name}/command.ts`))).toEqual([]);
    // Every config.ts has its table test.
    const configs = files().filter((f) => /^commands\/[a-z]+\/config\.ts$/.test(f));
    expect(configs.filter((f) => !existsSync(join(TEST, f.replace(/\.ts$/, '.test.ts'))))).toEqual([]);
  });

  it('commands that never judge (pairs, audit, inspect) load no judge with their inputs', () => {
    for (const command of ['commands/pairs/run.ts', 'commands/audit/run.ts', 'commands/inspect/run.ts'])
      expect(
        closure(loads, command).filter((m) => m.startsWith('judge/')),
        command,
      ).toEqual([]);
  });
});

/**
 * radpo flags named in code (comments left out), except where a line quotes a whole command line for a
 * user to run ("radpo check --max-length 4096", a trainer's "trl dpo --config …").
 */
function namedFlags(text: string, flagNames: Set<string>): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const code =
      line.trim().startsWith('*') || line.trim().startsWith('/*') ? '' : line.replace(/\s\/\/ .*$|^\s*\/\/.*$/, '');
    for (const m of code.matchAll(/--[a-z][a-z-]*/g)) {
      const quotedCommand = /\b(radpo|trl)\s+[a-z]+\b/.test(code.slice(0, m.index));
      if (flagNames.has(m[0]) && !quotedCommand) found.push(m[0]);
    }
  }
  return found;
}
