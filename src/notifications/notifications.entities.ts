/** The entities of the notifications module (registered in src/database/entities.ts). */
export const NOTIFICATIONS_ENTITIES: (new () => object)[] = [];
