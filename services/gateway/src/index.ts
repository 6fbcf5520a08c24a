export { type GatewayConfig, gatewayConfigSchema, widgetTokenSecret } from './config.ts';
export { findDemoStoreId } from './features/demo/seed-demo.ts';
export {
  signWidgetToken,
  verifyWidgetToken,
  WIDGET_TOKEN_TTL_SECONDS,
  type WidgetTokenClaims,
} from './features/widget-tokens/widget-token.ts';
export { service } from './service.ts';
