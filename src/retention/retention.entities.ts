/** The entities of the retention module (registered in src/database/entities.ts). */
export const RETENTION_ENTITIES: (new () => object)[] = [];
