// Gateway HTTP schemas (signup, auth, keys, widget tokens, platform, audit). Owned by the gateway work.
export {};
