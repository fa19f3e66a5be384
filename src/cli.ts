#!/usr/bin/env node
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { AppModule } from './app.module';
import { SecretBox } from './common/crypto/secret-box';
import { ConfigError } from './config/config-error';
import { loadConfig } from './config/load-config';
import { NEXT_KEY_SUFFIX } from './config/secret-files';
import { CredentialRotation } from './servers/credentials/credential-rotation';

const USAGE = `Usage: tomo <command>

Commands:
  serve                   Start Tomo (the same as npm start without the build).
  rotate-encryption-key   Re-seal every stored credential under a new key. Stop Tomo first.
                          With the key file in the data directory, a new key is generated and
                          replaces it. With TOMO_ENCRYPTION_KEY, give the new key in
                          TOMO_NEW_ENCRYPTION_KEY and set TOMO_ENCRYPTION_KEY to it afterwards.
`;

function decodeKey(raw: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    throw new ConfigError([
      'TOMO_NEW_ENCRYPTION_KEY must be 32 bytes, written as 64 hex digits or base64.',
    ]);
  }
  return key;
}

/**
 * Key file flow, safe to interrupt: the new key is written to `<file>.next` first, the database
 * is re-sealed in one transaction, then `.next` is renamed over the key file. A restart in
 * between loads both keys (see loadConfig), and running the command again finishes the job.
 */
async function rotateEncryptionKey(): Promise<void> {
  process.umask(0o077);
  const config = loadConfig();
  let newKey: Buffer;
  const nextFile = config.encryptionKeyFile
    ? `${config.encryptionKeyFile}${NEXT_KEY_SUFFIX}`
    : null;
  if (nextFile) {
    if (!existsSync(nextFile)) {
      writeFileSync(nextFile, randomBytes(32).toString('base64') + '\n', {
        mode: 0o600,
        flag: 'wx',
      });
    }
    newKey = Buffer.from(readFileSync(nextFile, 'utf8').trim(), 'base64');
  } else {
    const raw = process.env.TOMO_NEW_ENCRYPTION_KEY;
    if (!raw) {
      throw new ConfigError([
        'TOMO_ENCRYPTION_KEY is set, so give the new key in TOMO_NEW_ENCRYPTION_KEY (32 bytes, hex or base64).',
      ]);
    }
    newKey = decodeKey(raw);
  }
  const current = new SecretBox([config.encryptionKey, ...config.encryptionKeyFallbacks, newKey]);
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ ...config, logLevel: 'warn', serverCheckIntervalSeconds: 0 }),
    { logger: ['error', 'warn'] },
  );
  try {
    const result = await app.get(CredentialRotation).reseal(current, newKey);
    if (nextFile && config.encryptionKeyFile) renameSync(nextFile, config.encryptionKeyFile);
    process.stdout.write(
      `Re-sealed ${result.resealed} secret(s) (server credentials, app inputs, secret settings, notification channel secrets) under key ${result.to_key_id}.\n` +
        (nextFile
          ? `The new key replaced ${config.encryptionKeyFile}.\n`
          : 'Now set TOMO_ENCRYPTION_KEY to the value of TOMO_NEW_ENCRYPTION_KEY before starting Tomo.\n'),
    );
  } finally {
    await app.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command = 'serve'] = argv;
  switch (command) {
    case 'serve':
      await import('./main.js');
      return;
    case 'rotate-encryption-key':
      await rotateEncryptionKey();
      return;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
