export { eventually } from './eventually.ts';
export { type PostgresCluster, startPostgres } from './postgres-cluster.ts';
export { type PubSubEmulator, startPubSubEmulator } from './pubsub-emulator.ts';
export { type RealInfra, realInfra, type TestTier, tier } from './real-infra.ts';
export type { RealInfraKind } from './real-infra-prerequisites.ts';
export { type TestDatabase, testDatabase } from './test-database.ts';
