import { QUALITY_ISSUES, type QualityIssue, type QualityReportView } from '@nlyzer/contracts';
import { sql } from 'kysely';
import type { CatalogTransaction } from '../../sync-context.ts';

/** Shorter side below this many pixels: too small for a good visual match. */
export const LOW_RESOLUTION_PX = 500;
const EXAMPLES = 20;

type IssueCounts = { products: number; clean: number } & {
  [K in `${QualityIssue}_count`]: number;
} & { [K in `${QualityIssue}_examples`]: string[] | null };

/**
 * Recomputes the store's catalog quality report in one SQL statement (the catalog stays
 * in the database however large it is) and stores it. Per product: no usable image,
 * an image that could not be used, a usable one under 500 px on its shorter side, an
 * image whose bytes another product also has, no price, no category.
 */
export async function recomputeQualityReport(
  trx: CatalogTransaction,
  storeId: string,
  runId: string | null,
): Promise<QualityReportView> {
  const { rows } = await sql<IssueCounts>`
    with images as (
      select product_id,
        count(*) filter (where status = 'ok') as usable,
        count(*) filter (where status in ('broken', 'not_image', 'too_large', 'refused')) as broken,
        count(*) filter (where status = 'ok' and least(width, height) < ${LOW_RESOLUTION_PX}) as small
      from catalog.product_images where store_id = ${storeId}
      group by product_id
    ),
    shared as (
      select sha256 from catalog.product_images
      where store_id = ${storeId} and sha256 is not null
      group by sha256 having count(distinct product_id) > 1
    ),
    duplicated as (
      select distinct i.product_id from catalog.product_images i join shared using (sha256)
      where i.store_id = ${storeId}
    ),
    flags as (
      select p.external_id,
        coalesce(images.usable, 0) = 0 as missing_images,
        coalesce(images.broken, 0) > 0 as broken_image_urls,
        coalesce(images.small, 0) > 0 as low_resolution_images,
        duplicated.product_id is not null as duplicate_images,
        p.price_minor is null as missing_prices,
        cardinality(p.categories) = 0 as missing_categories
      from catalog.products p
        left join images on images.product_id = p.product_id
        left join duplicated on duplicated.product_id = p.product_id
      where p.store_id = ${storeId}
    )
    select count(*)::integer as products,
      count(*) filter (where not (missing_images or broken_image_urls or low_resolution_images
        or duplicate_images or missing_prices or missing_categories))::integer as clean,
      ${sql.join(
        QUALITY_ISSUES.map(
          (issue) => sql`
            count(*) filter (where ${sql.ref(issue)})::integer as ${sql.ref(`${issue}_count`)},
            (array_agg(external_id order by external_id) filter (where ${sql.ref(issue)}))[1:${sql.lit(EXAMPLES)}]
              as ${sql.ref(`${issue}_examples`)}`,
        ),
      )}
    from flags
  `.execute(trx);
  const counts = rows[0]!;
  const report: QualityReportView = {
    products: counts.products,
    computed_at: new Date().toISOString(),
    run_id: runId,
    score: counts.products === 0 ? 1 : counts.clean / counts.products,
    issues: QUALITY_ISSUES.map((issue) => ({
      issue,
      products: counts[`${issue}_count`],
      examples: counts[`${issue}_examples`] ?? [],
    })),
  };
  await trx
    .insertInto('catalog.quality_reports')
    .values({
      store_id: storeId,
      run_id: runId,
      products: report.products,
      score: report.score,
      issues: JSON.stringify(report.issues),
      computed_at: report.computed_at,
    })
    .onConflict((oc) =>
      oc.column('store_id').doUpdateSet((eb) => ({
        run_id: eb.ref('excluded.run_id'),
        products: eb.ref('excluded.products'),
        score: eb.ref('excluded.score'),
        issues: eb.ref('excluded.issues'),
        computed_at: eb.ref('excluded.computed_at'),
      })),
    )
    .execute();
  return report;
}

export async function readQualityReport(
  trx: CatalogTransaction,
  storeId: string,
): Promise<QualityReportView | undefined> {
  const row = await trx
    .selectFrom('catalog.quality_reports')
    .selectAll()
    .where('store_id', '=', storeId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    products: row.products,
    computed_at: new Date(row.computed_at).toISOString(),
    run_id: row.run_id,
    score: row.score,
    issues: row.issues as QualityReportView['issues'],
  };
}
