/**
 * The JSON Schema (draft 2020-12) of the Tomo app manifest, version 1 (docs/app-manifest.md).
 * The source of truth: `npm run schema:manifest` writes it to schemas/app-manifest.schema.json
 * for catalog authors and editors, and a spec keeps the two identical.
 */

export const APP_ID_PATTERN = '^[a-z0-9][a-z0-9-]{1,62}$';
export const SERVICE_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
export const INPUT_NAME_PATTERN = '^[A-Z_][A-Z0-9_]*$';
/** Environment variable names a container may receive. */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

export const CATEGORIES = [
  'automation',
  'development',
  'media',
  'monitoring',
  'networking',
  'productivity',
  'security',
  'storage',
  'utility',
  'other',
] as const;

export const INPUT_TYPES = [
  'text',
  'password',
  'number',
  'boolean',
  'select',
  'port',
  'path',
  'email',
  'url',
] as const;

export const ARCHITECTURES = [
  'amd64',
  'arm64',
  'arm',
  '386',
  'ppc64le',
  's390x',
  'riscv64',
] as const;

export const RESTART_POLICIES = ['no', 'always', 'unless-stopped', 'on-failure'] as const;

/** Capabilities an app may add; everything else (SYS_ADMIN, NET_ADMIN, ALL…) is refused. */
export const ALLOWED_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
] as const;

export const SOURCE_FORMATS = [
  'tomo',
  'tomo-legacy',
  'casaos',
  'runtipi',
  'umbrel',
  'dokploy',
  'portainer',
] as const;

const text = (maxLength: number) => ({ type: 'string', maxLength });
/** One line per argument: no CR, LF or NUL reaches a command line (SECURITY_CHECKLIST 25). */
export const ONE_LINE_PATTERN = '^[^\\r\\n\\u0000]*$';

const argv = {
  type: 'array',
  maxItems: 64,
  items: { type: 'string', maxLength: 4096, pattern: ONE_LINE_PATTERN },
};
const httpsUrl = { type: 'string', maxLength: 2048, pattern: '^https://[^\\s]+$' };
const extensions = { '^x-': true };

const inputSchema = {
  type: 'object',
  additionalProperties: false,
  patternProperties: extensions,
  required: ['name', 'label', 'type'],
  properties: {
    name: { type: 'string', pattern: INPUT_NAME_PATTERN, maxLength: 64 },
    label: text(128),
    type: { enum: INPUT_TYPES },
    required: { type: 'boolean' },
    default: { type: ['string', 'number', 'boolean', 'null'], maxLength: 1024 },
    options: {
      type: 'array',
      maxItems: 100,
      items: { type: ['string', 'number'], maxLength: 256 },
    },
    pattern: { type: ['string', 'null'], maxLength: 512 },
    description: text(1024),
  },
};

const portSchema = {
  type: 'object',
  additionalProperties: false,
  patternProperties: extensions,
  required: ['container'],
  properties: {
    container: { type: 'integer', minimum: 1, maximum: 65535 },
    host: { type: ['integer', 'null'], minimum: 1, maximum: 65535 },
    protocol: { enum: ['tcp', 'udp'] },
    main: { type: 'boolean' },
  },
};

const volumeSchema = {
  type: 'object',
  additionalProperties: false,
  patternProperties: extensions,
  required: ['container'],
  oneOf: [{ required: ['name'] }, { required: ['host'] }],
  properties: {
    name: { type: 'string', pattern: SERVICE_NAME_PATTERN },
    host: text(1024),
    container: { type: 'string', pattern: '^/', maxLength: 1024 },
    mode: { enum: ['rw', 'ro'] },
  },
};

const healthcheckSchema = {
  type: 'object',
  additionalProperties: false,
  patternProperties: extensions,
  required: ['test'],
  properties: {
    test: { ...argv, minItems: 1 },
    interval_s: { type: 'integer', minimum: 1, maximum: 3600 },
    timeout_s: { type: 'integer', minimum: 1, maximum: 3600 },
    retries: { type: 'integer', minimum: 0, maximum: 100 },
    start_period_s: { type: 'integer', minimum: 0, maximum: 3600 },
  },
};

const serviceSchema = {
  type: 'object',
  additionalProperties: false,
  patternProperties: extensions,
  required: ['name', 'image'],
  properties: {
    name: { type: 'string', pattern: SERVICE_NAME_PATTERN },
    image: text(512),
    pull: { enum: ['missing', 'always'] },
    command: argv,
    entrypoint: argv,
    env: {
      type: 'object',
      maxProperties: 200,
      propertyNames: { pattern: ENV_NAME_PATTERN, maxLength: 128 },
      additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: 8192 },
    },
    ports: { type: 'array', maxItems: 64, items: portSchema },
    volumes: { type: 'array', maxItems: 64, items: volumeSchema },
    healthcheck: healthcheckSchema,
    restart: { enum: RESTART_POLICIES },
    depends_on: {
      type: 'array',
      maxItems: 32,
      uniqueItems: true,
      items: { type: 'string', pattern: SERVICE_NAME_PATTERN },
    },
    // A name or id, with an optional group; never starting with "-" (option injection).
    user: {
      type: 'string',
      pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$',
    },
    capabilities: { type: 'array', uniqueItems: true, items: { enum: ALLOWED_CAPABILITIES } },
    labels: {
      type: 'object',
      maxProperties: 100,
      propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$' },
      additionalProperties: { type: 'string', maxLength: 1024 },
    },
    main: { type: 'boolean' },
  },
};

export const MANIFEST_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:tomo:app-manifest:1',
  title: 'Tomo app manifest',
  description:
    'One app of a Tomo catalog (app.yaml) or the manifest argument of deploy_app. Unknown keys are refused except x- keys.',
  type: 'object',
  additionalProperties: false,
  patternProperties: extensions,
  required: ['manifest_version', 'id', 'name', 'version', 'services'],
  properties: {
    manifest_version: { const: 1 },
    id: { type: 'string', pattern: APP_ID_PATTERN },
    name: { type: 'string', minLength: 1, maxLength: 128 },
    version: { type: 'string', minLength: 1, maxLength: 64 },
    description: text(4096),
    category: { enum: CATEGORIES },
    tags: {
      type: 'array',
      maxItems: 32,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' },
    },
    icon: httpsUrl,
    links: {
      type: 'object',
      additionalProperties: false,
      patternProperties: extensions,
      properties: { website: httpsUrl, repository: httpsUrl, documentation: httpsUrl },
    },
    admin_only: { type: 'boolean' },
    requirements: {
      type: 'object',
      additionalProperties: false,
      patternProperties: extensions,
      properties: {
        memory_mb: { type: 'integer', minimum: 0, maximum: 1048576 },
        disk_mb: { type: 'integer', minimum: 0, maximum: 104857600 },
        architectures: { type: 'array', uniqueItems: true, items: { enum: ARCHITECTURES } },
      },
    },
    inputs: { type: 'array', maxItems: 64, items: inputSchema },
    services: { type: 'array', minItems: 1, maxItems: 32, items: serviceSchema },
    source: {
      type: 'object',
      additionalProperties: false,
      properties: {
        repository: text(64),
        commit: text(64),
        path: text(1024),
        format: { enum: SOURCE_FORMATS },
      },
    },
  },
} as const;
