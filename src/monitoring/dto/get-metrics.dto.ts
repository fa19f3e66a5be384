import { OmitType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { Describe } from '../../common/validation/describe.decorator';
import { ServerIdDto } from '../../servers/dto/server.dto';
import { METRIC_NAMES, MetricName } from '../metrics/metric-names';

const defined = (_object: object, value: unknown) => value !== undefined;

export class GetMetricsDto extends ServerIdDto {
  @Describe(`One series: ${METRIC_NAMES.join(', ')}. Every series when absent.`)
  @ValidateIf(defined)
  @IsIn(METRIC_NAMES, { message: `metric must be one of ${METRIC_NAMES.join(', ')}` })
  metric?: MetricName;

  @Describe('Start of the range, ISO-8601 (default: 24 hours before until).')
  @ValidateIf(defined)
  @IsISO8601({ strict: true }, { message: 'since must be an ISO-8601 time' })
  since?: string;

  @Describe('End of the range, ISO-8601 (default: now).')
  @ValidateIf(defined)
  @IsISO8601({ strict: true }, { message: 'until must be an ISO-8601 time' })
  until?: string;

  @Describe(
    'Bucket width: "raw" (every sample), a duration such as 1m, 5m, 1h, 1d, or seconds (10 s to 30 days). Default: the finest of 1m, 5m, 15m, 1h, 6h, 1d, 7d giving at most 500 points.',
  )
  @ValidateIf(defined)
  @IsString()
  @MaxLength(16)
  @Matches(/^(raw|\d{1,7}[smhd]?)$/, {
    message: 'resolution must be "raw", a duration such as 30s, 5m, 1h or 1d, or seconds',
  })
  resolution?: string;
}

/** The query string of GET /api/v1/servers/{server_id}/metrics. */
export class GetMetricsQueryDto extends OmitType(GetMetricsDto, ['server_id'] as const) {}
