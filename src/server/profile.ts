/** What radpo knows of a server once it is identified (preflight.ts), and shapes requests by (judge/wire.ts). */
import type { ServerKind } from './choices.js';

export interface ServerProfile {
  kind: ServerKind;
  /** As the server reports it (null when it does not). */
  version: string | null;
  /** TGI: top tokens with logprobs are capped by its launcher's --max-top-n-tokens (default 5). */
  maxTopLogprobs: number;
  /**
   * How a vLLM pooling request turns the activation off: `use_activation` (0.11.1 on), the older
   * `activation` (classify) / `softmax` (reward) fields (0.10), or not per request at all (before).
   */
  activationField: 'use_activation' | 'legacy' | 'none';
}
