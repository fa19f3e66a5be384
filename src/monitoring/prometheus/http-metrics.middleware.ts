import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BackendMetrics } from './backend-metrics';

interface RoutedRequest extends IncomingMessage {
  /** Set by Express when a route matched: its template, e.g. `/api/v1/servers/:server_id`. */
  route?: { path?: unknown };
  baseUrl?: string;
}

/**
 * Times every request into `tomo_http_request_duration_seconds`. The route label is the
 * matched template, never the raw URL (ids would make a series each); a request no route
 * matched is labelled `unmatched`.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: BackendMetrics) {}

  use(req: RoutedRequest, res: ServerResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const path = req.route?.path;
      const route = typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.observeHttp(req.method ?? 'GET', route, res.statusCode, seconds);
    });
    next();
  }
}
