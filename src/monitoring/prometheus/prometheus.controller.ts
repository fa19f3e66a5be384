import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireRole } from '../../common/auth/access.decorator';
import { BackendMetrics } from './backend-metrics';

/** Prometheus scrape endpoint for the backend itself; any signed-in caller (bearer JWT or token). */
@ApiTags('monitoring')
@ApiBearerAuth()
@Controller('metrics')
export class PrometheusController {
  constructor(private readonly metrics: BackendMetrics) {}

  @Get()
  @RequireRole('readonly')
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4.',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  async scrape(@Res() response: Response): Promise<void> {
    const text = await this.metrics.text();
    response.status(200).type(this.metrics.contentType).send(text);
  }
}
