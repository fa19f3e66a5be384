/** The entities of the logs module (registered in src/database/entities.ts). */
export const LOGS_ENTITIES: (new () => object)[] = [];
