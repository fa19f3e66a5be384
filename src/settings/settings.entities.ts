/** The entities of the settings module (registered in src/database/entities.ts). */
export const SETTINGS_ENTITIES: (new () => object)[] = [];
