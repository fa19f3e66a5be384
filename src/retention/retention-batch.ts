import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * The condition a retention target purges by: a WHERE fragment on alias `purged` with its
 * parameters, true for the rows older than the cutoff that may go.
 */
export interface PurgeCondition {
  where: string;
  parameters: Record<string, unknown>;
}

/** How many rows the condition selects (what a preview reports). */
export async function countPurgeable<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  condition: PurgeCondition,
): Promise<number> {
  const counted = await manager
    .createQueryBuilder(entity, 'purged')
    .select('COUNT(*)', 'total')
    .where(condition.where, condition.parameters)
    .getRawOne<{ total: number | string }>();
  return Number(counted?.total ?? 0);
}

/**
 * Deletes up to `limit` of the rows the condition selects, oldest `orderBy` first, by their
 * single-column key, and returns how many went. Call it inside a short transaction.
 */
export async function deletePurgeable<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  condition: PurgeCondition,
  options: { key: string; keyColumn: string; orderBy: string; limit: number },
): Promise<number> {
  const oldest = manager
    .createQueryBuilder(entity, 'purged')
    .select(`purged.${options.key}`)
    .where(condition.where, condition.parameters)
    .orderBy(`purged.${options.orderBy}`, 'ASC')
    .limit(options.limit);
  const result = await manager
    .createQueryBuilder()
    .delete()
    .from(entity)
    .where(`${options.keyColumn} IN (${oldest.getQuery()})`)
    .setParameters(oldest.getParameters())
    .execute();
  return result.affected ?? 0;
}
