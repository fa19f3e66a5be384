import { mergeConfig, type AgentConfig } from '../agent-config';
import { errorMessage, type Logger } from '../logger';
import { RpcError, RpcErrorCode } from '../protocol';
import type { MethodHandler } from '../rpc-server';
import type { StateStore } from '../state-file';
import { AGENT_VERSION } from '../version';
import { invalidParams, optionalNumber, optionalString, requiredString } from './params';

/** AGENT_PROTOCOL.md §2: 256 random bits as base64url, i.e. at least 43 characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43,512}$/;

export interface AgentMethodDeps {
  store: StateStore;
  config: () => AgentConfig;
  applyConfig: (next: AgentConfig, changed: (keyof AgentConfig)[]) => void;
  logger: Logger;
  now?: () => Date;
}

export function agentMethods(deps: AgentMethodDeps): Record<string, MethodHandler> {
  const now = deps.now ?? (() => new Date());
  return {
    'agent.ping': () =>
      Promise.resolve({
        status: 'ok',
        version: AGENT_VERSION,
        agent_id: deps.store.state?.agent_id ?? null,
      }),

    'agent.rotate_token': async (params) => {
      const token = requiredString(params, 'new_token');
      if (!TOKEN_SHAPE.test(token)) {
        // Saving something that cannot be a token would lock the agent out at the next connect.
        throw invalidParams('"new_token" must be a base64url token of at least 43 characters');
      }
      const grace = optionalNumber(params, 'grace_period_seconds', 300, {
        min: 0,
        max: 31_536_000,
      });
      try {
        await deps.store.rotateToken(token);
      } catch (err) {
        deps.logger.error('token.rotation_failed', { error: errorMessage(err) });
        throw new RpcError(
          RpcErrorCode.internalError,
          `Could not save the new token: ${errorMessage(err)}`,
        );
      }
      const rotatedAt = now().toISOString();
      deps.logger.info('token.rotated', { grace_period_seconds: grace, rotated_at: rotatedAt });
      return { status: 'ok', rotated_at: rotatedAt };
    },

    'agent.update': (params) => {
      const version = optionalString(params, 'version');
      deps.logger.warn('agent.update_unsupported', { requested_version: version });
      return Promise.resolve({
        status: 'error',
        message:
          'Self-update is not supported by this agent build; upgrade tomo-agent with the package manager or installer that installed it',
      });
    },

    'config.update': (params) => {
      const { config, changed, problems } = mergeConfig(deps.config(), params);
      if (problems.length > 0) throw invalidParams(problems.join('; '));
      deps.applyConfig(config, changed);
      return Promise.resolve({ status: 'ok' });
    },
  };
}
