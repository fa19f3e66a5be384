import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { json } from 'express';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AdminBootstrap, AdminBootstrapOutcome } from './auth/admin-bootstrap';
import { requestLogging } from './common/logging/request-logging';
import { buildOpenApiDocument } from './common/openapi/openapi-document';
import { AppConfig } from './config/app-config';
import { answerClientErrors } from './common/http/client-errors';

export interface RunningTomo {
  app: NestExpressApplication;
  config: AppConfig;
  url: string;
  admin: AdminBootstrapOutcome;
  close(): Promise<void>;
}

/** Builds, configures and starts Tomo on config.host:config.port (port 0 picks a free one). */
export async function startTomo(config: AppConfig): Promise<RunningTomo> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new WsAdapter(app));
  app.set('trust proxy', parseTrustProxy(config.trustProxy));
  app.disable('x-powered-by');
  app.use(json({ limit: config.bodyLimitBytes, type: ['application/json', 'application/*+json'] }));

  const document = buildOpenApiDocument(app, config);
  const documentJson = JSON.stringify(document, null, 2);
  const http = app.getHttpAdapter().getInstance();
  http.get(
    '/api/openapi.json',
    (_req: unknown, res: { type(t: string): { send(b: string): void } }) =>
      res.type('application/json').send(documentJson),
  );
  SwaggerModule.setup('api/docs', app, document, {
    useGlobalPrefix: false,
    swaggerOptions: { persistAuthorization: false },
  });
  // Where nestjs-pino's middleware ran: after the body parser and the documentation routes,
  // before Nest's routes. PinoLogger.root is the logger nestjs-pino built from pinoOptions.
  app.use(requestLogging(() => PinoLogger.root));
  await app.init();
  answerClientErrors(app.getHttpServer());

  const admin = await app.get(AdminBootstrap).run();
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  // PORT=0 picks a free port: the default SERVER_URL (what agents dial) is known only now.
  if (config.port === 0 && config.serverUrl === `http://${host}:0`) config.serverUrl = url;
  return { app, config, url, admin, close: () => app.close() };
}

function parseTrustProxy(value: string): boolean | number | string {
  if (!value || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}
