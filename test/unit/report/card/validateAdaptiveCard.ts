/**
 * Validates a card with the real `adaptivecards` parser (its UMD bundle: the ESM `lib/` cannot load in Node).
 * Returns every parse event and validation failure, plus properties the parser silently dropped.
 */
import { createRequire } from 'node:module';

interface AcEvent {
  event: number;
  message: string;
}
interface AcModule {
  AdaptiveCard: new () => {
    parse(json: unknown, ctx: unknown): void;
    validateProperties(): { validationEvents: AcEvent[] };
    toJSON(ctx?: unknown): unknown;
  };
  SerializationContext: new () => { eventCount: number; getEventAt(i: number): AcEvent };
  ValidationEvent: Record<number, string>;
}

const require = createRequire(import.meta.url);
const AC = require('adaptivecards/dist/adaptivecards.js') as AcModule;

/** Keys the library keeps outside its object model (host extensions, schema pointer). */
const HOST_KEYS = new Set(['msteams', '$schema']);

function droppedPaths(input: unknown, output: unknown, path: string, out: string[]): void {
  if (Array.isArray(input)) {
    for (const [i, v] of input.entries())
      droppedPaths(v, Array.isArray(output) ? output[i] : undefined, `${path}[${i}]`, out);
    return;
  }
  if (input === null || typeof input !== 'object') return;
  const o = (output ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(input)) {
    if (HOST_KEYS.has(k)) continue;
    if (!(k in o)) {
      // Defaults are omitted by toJSON; they are not errors.
      if (v === false || v === true || v === 'default' || v === null) continue;
      out.push(`${path}.${k}`);
      continue;
    }
    droppedPaths(v, o[k], `${path}.${k}`, out);
  }
}

/** Parses the card; returns human-readable problems (empty when the card is clean). */
export function validateAdaptiveCard(card: unknown): string[] {
  const ac = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext();
  ac.parse(card, ctx);
  const problems: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) {
    const ev = ctx.getEventAt(i);
    problems.push(`parse ${AC.ValidationEvent[ev.event]}: ${ev.message}`);
  }
  for (const ev of ac.validateProperties().validationEvents) {
    problems.push(`validate ${AC.ValidationEvent[ev.event]}: ${ev.message}`);
  }
  const dropped: string[] = [];
  droppedPaths(card, ac.toJSON(), '$', dropped);
  for (const p of dropped) problems.push(`property not understood by the parser: ${p}`);
  return problems;
}
