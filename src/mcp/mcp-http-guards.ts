import { hostHeaderValidation, originValidation } from '@modelcontextprotocol/node';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../config/app-config';

type Guard = (req: IncomingMessage, res: ServerResponse) => boolean;

const LOCALHOST = ['localhost', '127.0.0.1', '[::1]'];

function hostnameOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/**
 * DNS-rebinding protection: the Host header must name this server (localhost, HOST, the host of
 * SERVER_URL), and a browser Origin must be localhost or one of ALLOWED_ORIGINS. Each guard
 * answers 403 itself and returns false when the request must stop.
 */
export function mcpHostAndOriginGuards(config: AppConfig): Guard[] {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const allowedHosts = new Set([
    ...LOCALHOST,
    ...(config.host === '0.0.0.0' || config.host === '::' ? [] : [host]),
  ]);
  const serverHost = hostnameOf(config.serverUrl);
  if (serverHost) allowedHosts.add(serverHost);
  const allowedOrigins = new Set(LOCALHOST);
  for (const origin of config.allowedOrigins) {
    const name = hostnameOf(origin);
    if (name) {
      allowedOrigins.add(name);
      allowedHosts.add(name);
    }
  }
  return [hostHeaderValidation([...allowedHosts]), originValidation([...allowedOrigins])];
}
