#!/usr/bin/env node
/**
 * tomo-agent: the daemon of AGENT_PROTOCOL.md that runs on a managed server and dials the
 * backend. It imports nothing from the rest of src/ so it ships with just its own dependencies
 * (ws, dockerode).
 */
import { Agent, ExitCode } from './agent';
import { displayUrl, parseCli, planStartup, USAGE, UsageError } from './cli-options';
import { createLogger, errorMessage } from './logger';
import { createDockerClient } from './methods/docker-client';
import { loadState, StateFileError, StateStore, tightenPermissions } from './state-file';
import { loadTlsTrust } from './tls-trust';
import { AGENT_VERSION } from './version';

/** How long a graceful stop may take before the process exits regardless. */
const STOP_DEADLINE_MS = 10_000;

function usageError(err: UsageError): number {
  process.stderr.write(`tomo-agent: ${err.message}\nRun tomo-agent --help for usage.\n`);
  return ExitCode.usage;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  // A closed stdout (the log reader went away) must not crash the agent.
  process.stdout.on('error', () => undefined);
  const logger = createLogger();
  try {
    const command = parseCli(argv, env);
    if (command.kind === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return ExitCode.ok;
    }
    if (command.kind === 'version') {
      process.stdout.write(`${AGENT_VERSION}\n`);
      return ExitCode.ok;
    }
    const { options } = command;

    let state;
    try {
      state = await loadState(options.stateFile);
    } catch (err) {
      if (!(err instanceof StateFileError)) throw err;
      logger.error('state_file.invalid', { error: err.message });
      return ExitCode.fatal;
    }
    const plan = planStartup(options, state);
    const tls = loadTlsTrust(options.caFile);
    if (state !== null && (await tightenPermissions(options.stateFile))) {
      logger.warn('state_file.permissions_fixed', { state_file: options.stateFile, mode: '0600' });
    }
    if (plan.codeIgnored) {
      logger.info('registration_code.ignored', { reason: 'the state file exists; authenticating' });
    }
    if (plan.serverDiffersFromState) {
      logger.warn('server_url.changed', {
        server: displayUrl(plan.serverUrl),
        state_server: displayUrl(state?.server_url ?? ''),
      });
    }
    if (options.caFile !== undefined && !plan.serverUrl.startsWith('wss:')) {
      logger.warn('ca_file.unused', { reason: 'the server URL is not wss://' });
    }

    const agent = new Agent({
      options,
      serverUrl: plan.serverUrl,
      tls,
      store: new StateStore(options.stateFile, state),
      docker: createDockerClient(options.dockerSocket),
      logger,
    });

    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        logger.warn('agent.forced_exit', { signal });
        process.exit(ExitCode.ok);
      }
      setTimeout(() => {
        logger.warn('agent.stop_deadline', { deadline_ms: STOP_DEADLINE_MS });
        process.exit(ExitCode.ok);
      }, STOP_DEADLINE_MS).unref();
      void agent.stop(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('unhandledRejection', (reason) => {
      // Logged, not fatal: one failed request must not take the agent off the fleet.
      logger.error('agent.unhandled_rejection', { error: errorMessage(reason) });
    });

    const code = await agent.run();
    logger.info('agent.exit', { exit_code: code });
    return code;
  } catch (err) {
    if (err instanceof UsageError) return usageError(err);
    logger.error('agent.fatal', { error: errorMessage(err) });
    return ExitCode.fatal;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), process.env).then((code) => process.exit(code));
}
