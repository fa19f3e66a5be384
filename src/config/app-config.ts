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
  encryptionKey: Buffer;
  auditKey: Buffer;
  admin: { username: string; password: string; generate: boolean };
  passwordMinLength: number;
  trustProxy: string;
  allowedOrigins: string[];
  sshTimeoutSeconds: number;
  maxConcurrentConnections: number;
  mcpToolsets: string[];
  features: Record<string, boolean>;
  loginRateLimitPerMinute: number;
  bodyLimitBytes: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
