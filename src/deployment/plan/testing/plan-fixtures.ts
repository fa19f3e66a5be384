import { createHash } from 'node:crypto';
import { parseDocument } from '../../../marketplace/manifest/manifest-parser';
import { describeProblems } from '../../../marketplace/manifest/manifest-validator';
import type { AppManifest } from '../../../marketplace/manifest/manifest.types';
import type { PlanContext } from '../deployment-plan.types';
import { PlanError } from '../plan-error';
import { resolvePlan } from '../resolve-plan';

export const INSTALLATION_ID = '3f2a1b4c-9d8e-4f7a-8b6c-5d4e3f2a1b0c';
export const SHORT_ID = '3f2a1b4c9d8e';
export const DATA_ROOT = '/srv/tomo/apps';

/**
 * MANIFEST.md's example as written there, without `depends_on: [db]` (the example names no db
 * service, so the validator would refuse it).
 */
const UPTIME_KUMA = `
manifest_version: 1
id: uptime-kuma
name: Uptime Kuma
version: "1.23.16"
description: Self-hosted monitoring for websites and services.
category: monitoring
tags: [monitoring, status-page]
icon: https://example.org/icon.svg
admin_only: false
requirements: {memory_mb: 256, disk_mb: 512, architectures: [amd64, arm64]}
inputs:
  - name: ADMIN_PASSWORD
    label: Admin password
    type: password
    required: true
    default: "\${password:24}"
    options: []
    pattern: null
    description: Used for the first login.
services:
  - name: web
    image: louislam/uptime-kuma:1.23.16
    pull: missing
    command: []
    entrypoint: []
    env:
      TZ: UTC
      PASSWORD: "\${inputs.ADMIN_PASSWORD}"
    ports:
      - {container: 3001, host: 3001, protocol: tcp, main: true}
    volumes:
      - {name: data, container: /app/data}
      - {host: "\${app_data}/config", container: /config, mode: ro}
    healthcheck: {test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1:3001"], interval_s: 30,
                  timeout_s: 5, retries: 3, start_period_s: 10}
    restart: unless-stopped
    user: "1000:1000"
    capabilities: []
    labels: {}
    main: true
`;

/** A two-service app (web listed first, depending on db), with one input of every type. */
const NOTES = `
manifest_version: 1
id: notes
name: Notes
version: "2.1.0"
inputs:
  - {name: DB_PASSWORD, label: Database password, type: password, required: true, default: "\${password:32}"}
  - {name: DB_NAME, label: Database name, type: text, default: notes, pattern: "[a-z_]{1,32}"}
  - {name: ADMIN_EMAIL, label: Admin email, type: email}
  - {name: PUBLIC_URL, label: Public URL, type: url}
  - {name: WORKERS, label: Workers, type: number, default: 2}
  - {name: DEBUG, label: Debug, type: boolean, default: false}
  - {name: LOG_LEVEL, label: Log level, type: select, options: [debug, info, warn], default: info}
  - {name: SMTP_PORT, label: SMTP port, type: port, default: "\${random_port}"}
  - {name: MEDIA_DIR, label: Media directory, type: path}
  - {name: API_TOKEN, label: API token, type: text, default: "\${hex:32}"}
  - {name: INSTANCE, label: Instance id, type: text, default: "\${uuid}"}
services:
  - name: web
    image: ghcr.io/example/notes:2.1.0
    command: [serve, --workers, "\${inputs.WORKERS}"]
    env:
      DB_HOST: db
      DB_NAME: "\${inputs.DB_NAME}"
      DB_PASSWORD: "\${inputs.DB_PASSWORD}"
      ADMIN_EMAIL: "\${inputs.ADMIN_EMAIL}"
      PUBLIC_URL: "\${inputs.PUBLIC_URL}"
      DEBUG: "\${inputs.DEBUG}"
      LOG_LEVEL: "\${inputs.LOG_LEVEL}"
      SMTP_PORT: "\${inputs.SMTP_PORT}"
      API_TOKEN: "\${inputs.API_TOKEN}"
      INSTANCE: "\${inputs.INSTANCE}"
      MAX_UPLOAD_MB: 50
    ports:
      - {container: 8080, host: 8080, main: true}
      - {container: 9090, protocol: udp}
    volumes:
      - {name: uploads, container: /app/uploads}
      - {host: "\${app_data}/config", container: /config, mode: ro}
    labels: {org.example.app: "\${app_id}", org.example.install: "\${installation_id}"}
    depends_on: [db]
  - name: db
    image: postgres:16.4
    env:
      POSTGRES_PASSWORD: "\${inputs.DB_PASSWORD}"
      POSTGRES_DB: "\${inputs.DB_NAME}"
    ports:
      - {container: 5432}
    volumes:
      - {name: pgdata, container: /var/lib/postgresql/data}
    healthcheck: {test: [CMD-SHELL, "pg_isready -U postgres"], interval_s: 10}
    restart: always
`;

function parse(text: string): AppManifest {
  const parsed = parseDocument(text);
  if (!parsed.ok) throw new Error(describeProblems(parsed.problems));
  return parsed.value as AppManifest;
}

export const uptimeKuma = (): AppManifest => parse(UPTIME_KUMA);
export const notes = (): AppManifest => parse(NOTES);

/** Deterministic bytes: SHA-256 of a seed and a counter, as long as asked. */
export function seededRandom(seed = 'tomo'): (bytes: number) => Buffer {
  let counter = 0;
  return (bytes: number) => {
    const chunks: Buffer[] = [];
    let length = 0;
    while (length < bytes) {
      const chunk = createHash('sha256').update(`${seed}:${counter++}`).digest();
      chunks.push(chunk);
      length += chunk.length;
    }
    return Buffer.concat(chunks).subarray(0, bytes);
  };
}

export function context(overrides: Partial<PlanContext> = {}): PlanContext {
  return {
    installationId: INSTALLATION_ID,
    dataRoot: DATA_ROOT,
    random: seededRandom(),
    ...overrides,
  };
}

/** The problems resolvePlan reports, as `path: message`; [] when it makes a plan. */
export function problemsOf(
  manifest: AppManifest,
  config: unknown,
  planContext: PlanContext = context(),
): string[] {
  try {
    resolvePlan(manifest, config, planContext);
    return [];
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
}
