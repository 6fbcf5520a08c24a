import { describe, expect, it } from 'vitest';
import { TIER_NAMES, TIERS } from './tiers.ts';

describe('pricing tiers', () => {
  it('prices Starter as the blueprint does: $29 a month plus $0.01 per search', () => {
    expect(TIERS.starter.monthlyPriceCents).toBe(2900);
    expect(TIERS.starter.searchPriceMicroUsd).toBe(10_000);
    expect(TIERS.starter.quotas.searchesIncludedPerMonth).toBe(0);
  });

  it('uses exact integers for money, quotas and rate limits', () => {
    for (const name of TIER_NAMES) {
      const { monthlyPriceCents, searchPriceMicroUsd, quotas, rateLimits } = TIERS[name];
      for (const value of [
        monthlyPriceCents,
        searchPriceMicroUsd,
        ...Object.values(quotas),
        ...Object.values(rateLimits),
      ]) {
        expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
      }
      expect(quotas.searchesIncludedPerMonth).toBeLessThanOrEqual(quotas.searchesHardLimitPerMonth);
    }
  });

  it('grows every allowance from tier to tier and cheapens the per-search price', () => {
    for (let i = 1; i < TIER_NAMES.length; i++) {
      const lower = TIERS[TIER_NAMES[i - 1]!];
      const higher = TIERS[TIER_NAMES[i]!];
      expect(higher.searchPriceMicroUsd).toBeLessThan(lower.searchPriceMicroUsd);
      for (const key of Object.keys(lower.quotas) as (keyof typeof lower.quotas)[]) {
        expect(higher.quotas[key]).toBeGreaterThanOrEqual(lower.quotas[key]);
      }
    }
  });

  it('offers the concierge on Enterprise only', () => {
    expect(TIER_NAMES.filter((name) => TIERS[name].concierge !== null)).toEqual(['enterprise']);
    expect(TIERS.enterprise.concierge?.confidenceThreshold).toBe(0.7);
  });
});
