import { MetricHourEntity } from './metrics/metric-hour.entity';
import { ComponentVersionEntity } from './system/component-version.entity';

/** The entities of the monitoring module (registered in src/database/entities.ts). */
export const MONITORING_ENTITIES: (new () => object)[] = [ComponentVersionEntity, MetricHourEntity];
