import { DEFAULT_MODEL_PRICES, costOf, priceOf } from './pricing';

describe('pricing', () => {
  it('matches dated model ids to their family by the longest prefix', () => {
    expect(priceOf(DEFAULT_MODEL_PRICES, 'claude-sonnet-4-5-20250929')).toEqual({
      input_per_mtok: 3,
      output_per_mtok: 15,
    });
    expect(priceOf(DEFAULT_MODEL_PRICES, 'gpt-4o-mini-2024-07-18')).toEqual({
      input_per_mtok: 0.15,
      output_per_mtok: 0.6,
    });
    expect(priceOf(DEFAULT_MODEL_PRICES, 'gpt-4o-2024-08-06')).toEqual({ input_per_mtok: 2.5, output_per_mtok: 10 });
  });

  it('prices usage per million tokens and charges nothing for offline or unknown models', () => {
    expect(
      costOf(DEFAULT_MODEL_PRICES, 'claude-sonnet-4-5', { input_tokens: 1_000_000, output_tokens: 100_000 }),
    ).toBeCloseTo(4.5);
    expect(costOf(DEFAULT_MODEL_PRICES, 'offline-echo-1', { input_tokens: 5000, output_tokens: 5000 })).toBe(0);
    expect(costOf(DEFAULT_MODEL_PRICES, 'llama3.2:3b', { input_tokens: 5000, output_tokens: 5000 })).toBe(0);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('finds no price for a model named %s (nothing inherited)', (model) => {
    expect(priceOf(DEFAULT_MODEL_PRICES, model)).toBeUndefined();
    expect(costOf(DEFAULT_MODEL_PRICES, model, { input_tokens: 1000, output_tokens: 1000 })).toBe(0);
  });
});
