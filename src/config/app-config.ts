/** The typed configuration every module reads. Built once at startup by `loadConfig`. */
export interface AppConfig {
  env: 'production' | 'development' | 'test';
  version: string;
  dataDirectory: string;
  databasePath: string;
  host: string;
  port: number;
  logLevel: string;
  serverUrl: string;
  jwt: { secret: string; expiresInSeconds: number; issuer: string; audience: string };
  sessionIdleTimeoutSeconds: number;
  /** Seals stored credentials. */
  encryptionKey: Buffer;
  /**
   * The key file when the key is not given by TOMO_ENCRYPTION_KEY (null then); key rotation
   * writes its successor next to it.
   */
  encryptionKeyFile: string | null;
  /** Keys that still open envelopes but no longer seal (an interrupted rotation's other key). */
  encryptionKeyFallbacks: Buffer[];
  /**
   * Chains audit_log and settings_audit. Read it at each use, never keep a copy: a restore that
   * adopts a backup's audit key replaces it here (docs/backup.md).
   */
  auditKey: Buffer;
  /** The generated key file when the key is not given by TOMO_AUDIT_KEY (null then). */
  auditKeyFile: string | null;
  admin: { username: string; password: string; generate: boolean };
  passwordMinLength: number;
  trustProxy: string;
  allowedOrigins: string[];
  sshTimeoutSeconds: number;
  maxConcurrentConnections: number;
  sshIdleTimeoutSeconds: number;
  sshOutputLimitBytes: number;
  serverCheckIntervalSeconds: number;
  agentHeartbeatIntervalSeconds: number;
  agentHeartbeatTimeoutSeconds: number;
  agentRegistrationCodeTtlSeconds: number;
  marketplaceAllowPrivateSources: boolean;
  appsDataRoot: string;
  marketplaceSyncIntervalMinutes: number;
  mcpToolsets: string[];
  features: Record<string, boolean>;
  loginRateLimitPerMinute: number;
  bodyLimitBytes: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
