import { z } from 'zod';
import type { Usage } from '@platform/contracts';

export const ModelPriceSchema = z.strictObject({
  input_per_mtok: z.number().min(0),
  output_per_mtok: z.number().min(0),
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;
export const ModelPricesSchema = z.record(z.string().min(1), ModelPriceSchema);
export type ModelPrices = z.infer<typeof ModelPricesSchema>;

/** US dollars per million tokens (list prices; override or extend with MODEL_PRICES). Keys match a model id or its prefix. */
export const DEFAULT_MODEL_PRICES: ModelPrices = {
  'offline-': { input_per_mtok: 0, output_per_mtok: 0 },
  'claude-opus-4-5': { input_per_mtok: 5, output_per_mtok: 25 },
  'claude-opus-4': { input_per_mtok: 15, output_per_mtok: 75 },
  'claude-sonnet-4': { input_per_mtok: 3, output_per_mtok: 15 },
  'claude-3-7-sonnet': { input_per_mtok: 3, output_per_mtok: 15 },
  'claude-haiku-4-5': { input_per_mtok: 1, output_per_mtok: 5 },
  'claude-3-5-haiku': { input_per_mtok: 0.8, output_per_mtok: 4 },
  'gpt-4o-mini': { input_per_mtok: 0.15, output_per_mtok: 0.6 },
  'gpt-4o': { input_per_mtok: 2.5, output_per_mtok: 10 },
  'gpt-4.1-nano': { input_per_mtok: 0.1, output_per_mtok: 0.4 },
  'gpt-4.1-mini': { input_per_mtok: 0.4, output_per_mtok: 1.6 },
  'gpt-4.1': { input_per_mtok: 2, output_per_mtok: 8 },
  'gpt-5-nano': { input_per_mtok: 0.05, output_per_mtok: 0.4 },
  'gpt-5-mini': { input_per_mtok: 0.25, output_per_mtok: 2 },
  'gpt-5': { input_per_mtok: 1.25, output_per_mtok: 10 },
};

/** The price of `model`: an exact entry, else the longest key that prefixes it (dated ids match their family). */
export function priceOf(prices: ModelPrices, model: string): ModelPrice | undefined {
  // A session names its model: `constructor` or `__proto__` must find no price, not Object.prototype's.
  const exact = Object.hasOwn(prices, model) ? prices[model] : undefined;
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(prices)) {
    if (model.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : prices[best];
}

/** Cost in US dollars of `usage` on `model`; 0 for a model without a price (local models). */
export function costOf(prices: ModelPrices, model: string, usage: Usage): number {
  const price = priceOf(prices, model);
  if (!price) return 0;
  const dollars = (usage.input_tokens * price.input_per_mtok + usage.output_tokens * price.output_per_mtok) / 1_000_000;
  return Math.round(dollars * 1e8) / 1e8;
}
