// Local servers speaking each platform's API shapes, for tests and benches (not for production code).

export * from './feed-test-server.ts';
export * from './shopify-test-server.ts';
export * from './woocommerce-test-server.ts';
