import { startTomo } from './bootstrap';
import { ConfigError } from './config/config-error';
import { loadConfig } from './config/load-config';
import { AdminBootstrapOutcome } from './auth/admin-bootstrap';

function loginHint(outcome: AdminBootstrapOutcome): string {
  switch (outcome.kind) {
    case 'generated':
      return `Log in as "${outcome.username}"; the generated password is in ${outcome.passwordFile} (readable only by you).`;
    case 'from-environment':
      return `Log in as "${outcome.username}" with TOMO_ADMIN_PASSWORD.`;
    case 'setup-required':
      return 'No admin yet: create one with POST /api/v1/setup (or the create_initial_admin tool).';
    case 'existing':
      return 'Log in with an existing account.';
  }
}

async function main(): Promise<void> {
  // Everything Tomo writes (database, keys, backups) is private to the user running it.
  process.umask(0o077);
  const config = loadConfig();
  const tomo = await startTomo(config);
  const lines = [
    `Tomo ${config.version} is listening on ${tomo.url}`,
    `  REST docs:  ${tomo.url}/api/docs   (OpenAPI: ${tomo.url}/api/openapi.json)`,
    `  MCP:        ${tomo.url}/mcp`,
    `  Data:       ${config.dataDirectory}`,
    `  ${loginHint(tomo.admin)}`,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n\n`);

  // Graceful stop: finish in-flight requests, close the database, exit 0.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      tomo.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : error instanceof Error ? `Tomo failed to start: ${error.stack ?? error.message}` : String(error)}\n`,
  );
  process.exit(1);
});
