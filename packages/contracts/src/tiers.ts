// Pricing tiers. Money is integer: monthly prices in US cents, per-unit usage prices in
// micro-dollars (1 USD = 1_000_000 µUSD, so 1 cent = 10_000 µUSD) because per-search prices
// are fractions of a cent on the larger tiers.

export const TIER_NAMES = ['starter', 'growth', 'enterprise'] as const;
export type TierName = (typeof TIER_NAMES)[number];

export interface ConciergeAllowance {
  /** Sessions included in the monthly price. */
  readonly includedSessionsPerMonth: number;
  /** Price of each session beyond the included ones, in micro-dollars. */
  readonly sessionPriceMicroUsd: number;
  /** Search confidence below which the shopper is offered a human expert. */
  readonly confidenceThreshold: number;
}

export interface TierDefinition {
  readonly name: TierName;
  readonly displayName: string;
  readonly monthlyPriceCents: number;
  readonly searchPriceMicroUsd: number;
  readonly quotas: {
    /** Searches covered by the monthly price; usage beyond is billed per search. */
    readonly searchesIncludedPerMonth: number;
    /** Searches refused (HTTP 429) beyond this count in a billing month. */
    readonly searchesHardLimitPerMonth: number;
    readonly products: number;
    readonly teamSeats: number;
    readonly widgetKeys: number;
  };
  readonly rateLimits: {
    readonly widgetSearchPerMinute: number;
    readonly apiPerMinute: number;
  };
  readonly concierge: ConciergeAllowance | null;
}

export const TIERS: { readonly [T in TierName]: TierDefinition & { readonly name: T } } = {
  starter: {
    name: 'starter',
    displayName: 'Starter',
    monthlyPriceCents: 29_00,
    searchPriceMicroUsd: 10_000,
    quotas: {
      searchesIncludedPerMonth: 0,
      searchesHardLimitPerMonth: 50_000,
      products: 5_000,
      teamSeats: 3,
      widgetKeys: 2,
    },
    rateLimits: { widgetSearchPerMinute: 60, apiPerMinute: 120 },
    concierge: null,
  },
  growth: {
    name: 'growth',
    displayName: 'Growth',
    monthlyPriceCents: 149_00,
    searchPriceMicroUsd: 7_500,
    quotas: {
      searchesIncludedPerMonth: 10_000,
      searchesHardLimitPerMonth: 500_000,
      products: 50_000,
      teamSeats: 10,
      widgetKeys: 10,
    },
    rateLimits: { widgetSearchPerMinute: 600, apiPerMinute: 600 },
    concierge: null,
  },
  enterprise: {
    name: 'enterprise',
    displayName: 'Enterprise',
    monthlyPriceCents: 999_00,
    searchPriceMicroUsd: 5_000,
    quotas: {
      searchesIncludedPerMonth: 150_000,
      searchesHardLimitPerMonth: 10_000_000,
      products: 1_000_000,
      teamSeats: 100,
      widgetKeys: 50,
    },
    rateLimits: { widgetSearchPerMinute: 6_000, apiPerMinute: 3_000 },
    concierge: { includedSessionsPerMonth: 50, sessionPriceMicroUsd: 5_000_000, confidenceThreshold: 0.7 },
  },
};

/** Percentages of the monthly hard limit at which the account admins are warned. */
export const USAGE_ALERT_PERCENTS = [80, 100] as const;
