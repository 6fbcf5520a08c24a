// Gateway HTTP bodies: signup, sessions, team, API and widget keys, widget tokens,
// store settings and the audit log. Request bodies refuse unknown properties so a typo
// in a field name is a 400, not a silently ignored setting.
import Type, { type Static } from 'typebox';
import { DateTime, PlatformSchema, Ratio, RoleSchema, TimeZone, Uuid } from '../primitives.ts';
import { TIER_NAMES } from '../tiers.ts';

const strict = { additionalProperties: false } as const;

/**
 * Email as typed by a person: surrounding spaces and capitals are allowed here because
 * the gateway trims and lowercases it, then checks the normalised address.
 */
export const EmailInput = () =>
  Type.String({ minLength: 3, maxLength: 320, pattern: '^\\s*[^\\s@]+@[^\\s@]+\\s*$' });
export const Password = () => Type.String({ minLength: 12, maxLength: 256 });
export const TierSchema = () => Type.Enum(TIER_NAMES);
/** Roles an API key may carry: keys act for integrations, never as an owner or a human agent. */
export const API_KEY_ROLES = ['admin', 'analyst'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

// ---------- tiers ----------
export const TierView = Type.Object({
  name: TierSchema(),
  display_name: Type.String(),
  monthly_price_cents: Type.Integer(),
  search_price_micro_usd: Type.Integer(),
  searches_included_per_month: Type.Integer(),
  searches_hard_limit_per_month: Type.Integer(),
  products: Type.Integer(),
  team_seats: Type.Integer(),
  widget_keys: Type.Integer(),
  api_requests_per_minute: Type.Integer(),
  widget_searches_per_minute: Type.Integer(),
  concierge_sessions_included_per_month: Type.Union([Type.Integer(), Type.Null()]),
});
export const TiersResponse = Type.Object({ tiers: Type.Array(TierView) });

// ---------- store ----------
const HexColor = () => Type.String({ pattern: '^#[0-9a-fA-F]{6}$' });
export const WidgetTheme = Type.Object(
  {
    primary_color: HexColor(),
    text_color: Type.Optional(HexColor()),
    position: Type.Optional(Type.Enum(['bottom-right', 'bottom-left', 'inline'])),
    button_label: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  },
  strict,
);
/**
 * The widget's look until the store sets its own `widget_theme` (issue 5's widget
 * settings): the snippet and the widget fall back to it.
 */
export const DEFAULT_WIDGET_THEME = {
  primary_color: '#111827',
  position: 'bottom-right',
} as const satisfies Static<typeof WidgetTheme>;
/** Trimmed by the gateway, so it must hold something besides spaces. */
export const Company = () => Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' });

export const StoreView = Type.Object({
  id: Uuid(),
  company: Type.String(),
  tier: TierSchema(),
  time_zone: Type.String(),
  billing_email: Type.String(),
  platform: Type.Union([PlatformSchema(), Type.Null()]),
  search_confidence_threshold: Ratio(),
  widget_theme: Type.Union([WidgetTheme, Type.Null()]),
  /** When search went live (the first catalog import finished); null while onboarding. */
  live_at: Type.Union([DateTime(), Type.Null()]),
  created_at: DateTime(),
});
export const StoreUpdateRequest = Type.Object(
  {
    company: Type.Optional(Company()),
    billing_email: Type.Optional(EmailInput()),
    time_zone: Type.Optional(TimeZone()),
    search_confidence_threshold: Type.Optional(Ratio()),
    widget_theme: Type.Optional(WidgetTheme),
  },
  { ...strict, minProperties: 1 },
);
export const PlatformRequest = Type.Object({ platform: PlatformSchema() }, strict);

// ---------- users and sessions ----------
export const UserView = Type.Object({
  id: Uuid(),
  email: Type.String(),
  role: RoleSchema(),
  created_at: DateTime(),
});
export const SessionView = Type.Object({ token: Type.String(), expires_at: DateTime() });

export const SignupRequest = Type.Object(
  {
    email: EmailInput(),
    password: Password(),
    company: Company(),
    tier: TierSchema(),
    time_zone: Type.Optional(TimeZone()),
  },
  strict,
);
export const SignupResponse = Type.Object({ store: StoreView, user: UserView, session: SessionView });

export const LoginRequest = Type.Object(
  { email: EmailInput(), password: Type.String({ minLength: 1, maxLength: 256 }) },
  strict,
);
export const LoginResponse = Type.Object({ user: UserView, store_id: Uuid(), session: SessionView });

export const PrincipalView = Type.Object({
  kind: Type.Enum(['session', 'api_key']),
  store_id: Uuid(),
  user_id: Type.Union([Uuid(), Type.Null()]),
  key_id: Type.Union([Uuid(), Type.Null()]),
  role: RoleSchema(),
});
export const MeResponse = Type.Object({
  principal: PrincipalView,
  user: Type.Union([UserView, Type.Null()]),
  store: StoreView,
});

// ---------- team ----------
export const InviteRequest = Type.Object({ email: EmailInput(), role: RoleSchema() }, strict);
export const InviteView = Type.Object({
  id: Uuid(),
  email: Type.String(),
  role: RoleSchema(),
  expires_at: DateTime(),
  created_at: DateTime(),
});
/** `token` is shown once; only its hash is stored. */
export const InviteCreated = Type.Object({ invite: InviteView, token: Type.String() });
export const AcceptInviteRequest = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 256 }), password: Password() },
  strict,
);
export const TeamResponse = Type.Object({ members: Type.Array(UserView), invites: Type.Array(InviteView) });
export const RoleUpdateRequest = Type.Object({ role: RoleSchema() }, strict);
export const UserIdParams = Type.Object({ userId: Uuid() });

// ---------- API keys ----------
export const ApiKeyCreateRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 80, pattern: '\\S' }), role: Type.Enum(API_KEY_ROLES) },
  strict,
);
export const ApiKeyView = Type.Object({
  id: Uuid(),
  name: Type.String(),
  prefix: Type.String(),
  role: Type.Enum(API_KEY_ROLES),
  created_at: DateTime(),
  last_used_at: Type.Union([DateTime(), Type.Null()]),
  revoked_at: Type.Union([DateTime(), Type.Null()]),
});
/** `key` is shown once; only its hash and prefix are stored. */
export const ApiKeyCreated = Type.Object({ api_key: ApiKeyView, key: Type.String() });
export const ApiKeyList = Type.Object({ api_keys: Type.Array(ApiKeyView) });

// ---------- widget keys and tokens ----------
/**
 * A browser origin: `https://host[:port]`, or plain http for localhost/127.0.0.1 during
 * development. Exact origin form (no path, no trailing slash) is checked by the gateway.
 */
export const WidgetOrigin = () =>
  Type.String({
    maxLength: 255,
    pattern: '^(https://[A-Za-z0-9.-]+|http://(localhost|127\\.0\\.0\\.1))(:[0-9]{1,5})?$',
  });
export const MAX_WIDGET_ORIGINS = 20;
export const WidgetKeyCreateRequest = Type.Object(
  { allowed_origins: Type.Array(WidgetOrigin(), { minItems: 1, maxItems: MAX_WIDGET_ORIGINS }) },
  strict,
);
export const WidgetKeyView = Type.Object({
  id: Uuid(),
  prefix: Type.String(),
  allowed_origins: Type.Array(Type.String()),
  created_at: DateTime(),
  revoked_at: Type.Union([DateTime(), Type.Null()]),
});
/**
 * Workflow 1 step 13: the `<script>` tag the store pastes into its pages, carrying the
 * widget key (publishable: every storefront page shows it) and the store's theme.
 */
export const WidgetSnippet = Type.Object({ key_id: Uuid(), snippet: Type.String(), theme: WidgetTheme });
/** `key` is the publishable widget key; `snippet` embeds it (also at `GET /v1/widget-keys/:id/snippet`). */
export const WidgetKeyCreated = Type.Object({
  widget_key: WidgetKeyView,
  key: Type.String(),
  snippet: Type.String(),
});
export const WidgetKeyList = Type.Object({ widget_keys: Type.Array(WidgetKeyView) });

/** The widget key may come in the `X-Widget-Key` header instead. */
export const WidgetTokenRequest = Type.Object(
  { widget_key: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) },
  strict,
);
export const WidgetTokenResponse = Type.Object({
  token: Type.String(),
  expires_at: DateTime(),
  store_id: Uuid(),
});

// ---------- audit log ----------
export const AuditLogQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  strict,
);
export const AuditEntryView = Type.Object({
  id: Type.String(),
  at: DateTime(),
  action: Type.String(),
  actor_user_id: Type.Union([Uuid(), Type.Null()]),
  actor_api_key_id: Type.Union([Uuid(), Type.Null()]),
  target: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export const AuditLogPage = Type.Object({
  entries: Type.Array(AuditEntryView),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const IdParams = Type.Object({ id: Uuid() });

export type SignupRequest = Static<typeof SignupRequest>;
export type StoreView = Static<typeof StoreView>;
export type StoreUpdateRequest = Static<typeof StoreUpdateRequest>;
export type WidgetTheme = Static<typeof WidgetTheme>;
export type UserView = Static<typeof UserView>;
export type InviteView = Static<typeof InviteView>;
export type ApiKeyView = Static<typeof ApiKeyView>;
export type WidgetKeyView = Static<typeof WidgetKeyView>;
export type WidgetSnippet = Static<typeof WidgetSnippet>;
export type AuditEntryView = Static<typeof AuditEntryView>;
export type TierView = Static<typeof TierView>;
