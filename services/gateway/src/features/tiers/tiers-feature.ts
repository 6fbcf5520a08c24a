import { TIER_NAMES, TIERS, TiersResponse, type TierView } from '@nlyzer/contracts';
import type { RouteModule } from '@nlyzer/service-kit';

/** Workflow 1 step 2: the pricing page's plans, straight from the tier catalog. */
export const tierViews: TierView[] = TIER_NAMES.map((name) => {
  const tier = TIERS[name];
  return {
    name,
    display_name: tier.displayName,
    monthly_price_cents: tier.monthlyPriceCents,
    search_price_micro_usd: tier.searchPriceMicroUsd,
    searches_included_per_month: tier.quotas.searchesIncludedPerMonth,
    searches_hard_limit_per_month: tier.quotas.searchesHardLimitPerMonth,
    products: tier.quotas.products,
    team_seats: tier.quotas.teamSeats,
    widget_keys: tier.quotas.widgetKeys,
    api_requests_per_minute: tier.rateLimits.apiPerMinute,
    widget_searches_per_minute: tier.rateLimits.widgetSearchPerMinute,
    concierge_sessions_included_per_month: tier.concierge?.includedSessionsPerMonth ?? null,
  };
});

export function createTiersFeature(): RouteModule {
  return async (app) => {
    app.get('/v1/tiers', { schema: { response: { 200: TiersResponse } } }, async () => ({
      tiers: tierViews,
    }));
  };
}
