// Child process of the crash test: commits one event to the outbox with no relay running,
// then dies by SIGKILL, the way a process killed between commit and publish would.
import { writeSync } from 'node:fs';
import { migrate, openDatabase } from '@nlyzer/db';
import { busMigrations, createInProcessBus, createOutbox } from '../src/index.ts';

const { url, dataDir, storeId } = JSON.parse(process.argv[2] ?? '{}') as {
  url?: string;
  dataDir?: string;
  storeId: string;
};
const db = await openDatabase(url ? { url } : { dataDir: dataDir as string });
await migrate(db, [busMigrations]);
const outbox = createOutbox({ db, bus: createInProcessBus(), source: 'billing' });
const eventId = await db.withStore(storeId, async (trx) => {
  const emitter = outbox.emitIn(trx, storeId);
  const id = await emitter.emit('invoice.paid', {
    store_id: storeId,
    invoice_id: crypto.randomUUID(),
    amount_cents: 4200,
    paid_at: new Date().toISOString(),
  });
  await emitter.flush();
  return id;
});
writeSync(1, `${JSON.stringify({ eventId })}\n`);
process.kill(process.pid, 'SIGKILL');
