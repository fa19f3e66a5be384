/** The entities of the monitoring module (registered in src/database/entities.ts). */
export const MONITORING_ENTITIES: (new () => object)[] = [];
