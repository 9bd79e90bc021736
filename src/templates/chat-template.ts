/**
 * Chat templates: load a model's template (a .jinja file, or the chat_template of its
 * tokenizer_config.json) and render message lists with it (@huggingface/jinja), as the trainer's
 * tokenizer would. Used by `radpo check` and by `radpo relabel --chat-template` / `--placement auto`.
 */
import { readFlagFile } from '../io/files.js';
import { Template } from '@huggingface/jinja';
import { usageError } from '../core/errors.js';
import type { Placement } from '../core/goal.js';
import type { Message } from '../core/pair.js';

export interface ChatTemplate {
  source: string;
  template: string;
  bosToken: string;
  eosToken: string;
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string')
    return (value as { content: string }).content;
  return undefined;
}

/** A .jinja file, or a tokenizer_config.json (its chat_template, bos_token and eos_token). */
export function loadChatTemplate(path: string, overrides: { bosToken?: string; eosToken?: string } = {}): ChatTemplate {
  const text = readFlagFile('--chat-template', path);
  let template = text;
  let bos: string | undefined;
  let eos: string | undefined;
  if (/\.json$/i.test(path)) {
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw usageError(`--chat-template ${path}: not valid JSON (${(err as Error).message})`);
    }
    const chat = config.chat_template;
    if (typeof chat === 'string') template = chat;
    else if (Array.isArray(chat)) {
      const named = chat.find((t) => t && (t as { name?: string }).name === 'default') ?? chat[0];
      template = String((named as { template?: unknown })?.template ?? '');
    } else throw usageError(`--chat-template ${path}: no chat_template in this tokenizer_config.json`);
    bos = tokenText(config.bos_token);
    eos = tokenText(config.eos_token);
  }
  try {
    new Template(template);
  } catch (err) {
    throw usageError(`--chat-template ${path}: the template does not parse (${(err as Error).message})`);
  }
  return {
    source: path,
    template,
    bosToken: overrides.bosToken ?? bos ?? '',
    eosToken: overrides.eosToken ?? eos ?? '',
  };
}

export class Renderer {
  private readonly compiled: Template;
  constructor(readonly chat: ChatTemplate) {
    this.compiled = new Template(chat.template);
  }
  /** `tools`: the tool schemas the prompt offers, as transformers' apply_chat_template(tools=…) passes them. */
  render(messages: Message[], addGenerationPrompt: boolean, tools?: readonly unknown[]): string {
    return this.compiled.render({
      messages,
      bos_token: this.chat.bosToken,
      eos_token: this.chat.eosToken,
      add_generation_prompt: addGenerationPrompt,
      ...(tools === undefined ? {} : { tools }),
    });
  }

  /** Does the template accept a system message? (Gemma-2 and Mistral v0.2 raise.) */
  acceptsSystem(): boolean {
    try {
      this.render(
        [
          { role: 'system', content: 'radpo probe' },
          { role: 'user', content: 'radpo probe' },
        ],
        true,
      );
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The text a template adds on its own when there is no system message (Qwen2's default prompt, Llama-3.1's header).
   */
  defaultSystemText(): string | null {
    const probe = 'RADPO-PROBE-7f3a';
    try {
      const out = this.render([{ role: 'user', content: probe }], true);
      const before = out.slice(0, out.indexOf(probe));
      return /system/i.test(before) ? before : null;
    } catch {
      return null;
    }
  }
}

/** The placement the template supports: system when it accepts a system message, else user. */
export function autoPlacement(chat: ChatTemplate): Placement {
  return new Renderer(chat).acceptsSystem() ? 'system' : 'user';
}
