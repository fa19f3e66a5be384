import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from '../errors/domain-error';
import { requestIdOf } from './request-context';
import { ErrorCode, httpStatusOf } from '../errors/error-codes';

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
  request_id?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED';
  }
}

/** Errors thrown by body-parser carry a status and a type. */
interface BodyParserError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

/**
 * Maps every error to RFC 9457 problem+json with a `code`. Domain errors keep their message;
 * anything unexpected becomes a generic 500 whose details stay in the log, tied by request id.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const response = context.getResponse<Response>();
    const request = context.getRequest<Request>();
    const problem = this.toProblem(exception, request);
    if (problem.status >= 500) {
      this.logger.error({ err: exception, request_id: problem.request_id }, 'Unhandled error');
    }
    if (problem.code === 'UNAUTHORIZED')
      response.setHeader('WWW-Authenticate', 'Bearer realm="tomo"');
    if (typeof problem.retry_after === 'number')
      response.setHeader('Retry-After', String(problem.retry_after));
    if (response.headersSent) return;
    if (request.path === '/mcp') {
      // MCP clients expect JSON-RPC errors, e.g. -32700 for a body that is not JSON.
      const rpcCode =
        problem.code === 'VALIDATION_FAILED' ? -32700 : problem.status >= 500 ? -32603 : -32600;
      response
        .status(problem.status)
        .json({ jsonrpc: '2.0', id: null, error: { code: rpcCode, message: problem.detail } });
      return;
    }
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown, request: Request): Problem {
    const base = {
      instance: request.originalUrl?.split('?')[0],
      request_id: requestIdOf(request) ?? undefined,
    };
    if (exception instanceof DomainError) {
      const status = httpStatusOf(exception.code);
      return {
        type: 'about:blank',
        title: TITLES[status] ?? 'Error',
        status,
        code: exception.code,
        detail: exception.message,
        ...base,
        ...(exception.details ?? {}),
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body
          ? body.message
          : exception.message;
      const detail =
        status === 404
          ? `No route for ${request.method} ${base.instance ?? ''}.`
          : Array.isArray(message)
            ? message.join('; ')
            : String(message);
      return {
        type: 'about:blank',
        title: TITLES[status] ?? 'Error',
        status,
        code: codeForStatus(status),
        detail,
        ...base,
      };
    }
    const parserError = exception as BodyParserError;
    const parserStatus = parserError?.status ?? parserError?.statusCode;
    if (typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500) {
      const detail =
        parserStatus === 413
          ? 'The request body is too large.'
          : parserError.type === 'entity.parse.failed'
            ? 'The request body is not valid JSON.'
            : 'The request body could not be read.';
      return {
        type: 'about:blank',
        title: TITLES[parserStatus] ?? 'Bad Request',
        status: parserStatus,
        code: codeForStatus(parserStatus),
        detail,
        ...base,
      };
    }
    return {
      type: 'about:blank',
      title: TITLES[500] as string,
      status: 500,
      code: 'INTERNAL',
      detail: 'Internal error; the server log has the details.',
      ...base,
    };
  }
}
