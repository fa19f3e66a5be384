import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from './manifest-parser';
import { describeProblems, validateManifest } from './manifest-validator';
import type { AppManifest } from './manifest.types';
import { manifestSchemaText } from './write-schema-cli';

/** MANIFEST.md's example, as a catalog author would write it. */
const EXAMPLE = `
manifest_version: 1
id: uptime-kuma
name: Uptime Kuma
version: "1.23.16"
description: Self-hosted monitoring for websites and services.
category: monitoring
tags: [monitoring, status-page]
icon: https://example.org/icon.svg
links: {website: https://uptime.kuma.pet}
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
    depends_on: [db]
    user: "1000:1000"
    capabilities: [NET_BIND_SERVICE]
    labels: {}
    main: true
  - name: db
    image: postgres:16.4@sha256:${'a'.repeat(64)}
x-notes: kept and ignored
`;

function example(): AppManifest {
  const parsed = parseDocument(EXAMPLE);
  if (!parsed.ok) throw new Error(describeProblems(parsed.problems));
  return parsed.value as AppManifest;
}

function problemsOf(mutate: (manifest: any) => void): string[] {
  const manifest = example();
  mutate(manifest);
  const result = validateManifest(manifest);
  return result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('app manifest validation', () => {
  it('accepts the documented example, x- keys included', () => {
    const result = validateManifest(example());
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('refuses unknown keys at every level, naming the key', () => {
    expect(problemsOf((m) => (m.privileged = true))).toEqual([
      'privileged: is not a known key (only x- keys may be added)',
    ]);
    expect(problemsOf((m) => (m.services[0].network_mode = 'host'))).toEqual([
      'services[0].network_mode: is not a known key (only x- keys may be added)',
    ]);
  });

  it('names the field and the rule for bad values', () => {
    expect(problemsOf((m) => (m.id = 'Bad_Id'))).toEqual([
      'id: must match pattern "^[a-z0-9][a-z0-9-]{1,62}$"',
    ]);
    expect(problemsOf((m) => (m.category = 'games'))[0]).toMatch(
      /^category: must be one of "automation", "development"/,
    );
    expect(problemsOf((m) => (m.services[0].ports[0].container = 70000))).toEqual([
      'services[0].ports[0].container: must be <= 65535',
    ]);
    expect(problemsOf((m) => delete m.services)).toEqual(['services: is required']);
    expect(problemsOf((m) => (m.services[0].env['BAD-NAME'] = 'x'))[0]).toMatch(
      /^services\[0\]\.env: property name must be valid|services\[0\]\.env\.BAD-NAME/,
    );
  });

  it('refuses capabilities outside the allow-list', () => {
    expect(problemsOf((m) => (m.services[0].capabilities = ['SYS_ADMIN']))[0]).toMatch(
      /^services\[0\]\.capabilities\[0\]: must be one of "AUDIT_WRITE"/,
    );
  });

  it('requires pinned, well-formed images', () => {
    expect(problemsOf((m) => (m.services[1].image = 'postgres'))).toEqual([
      'services[1].image: must be pinned to a tag or digest ("postgres" has neither)',
    ]);
    expect(problemsOf((m) => (m.services[1].image = 'postgres:latest'))[0]).toMatch(/:latest/);
    expect(problemsOf((m) => (m.services[1].image = 'Postgres:16; rm -rf /'))[0]).toMatch(
      /is not a valid image reference/,
    );
    expect(
      problemsOf((m) => (m.services[1].image = 'registry.local:5000/tomo-test/busybox:1.35')),
    ).toEqual([]);
  });

  it('checks images built from inputs once substituted, and keeps tomo.* labels for Tomo', () => {
    expect(
      problemsOf((m) => {
        m.inputs.push({ name: 'TAG', label: 'Tag', type: 'text', default: '16.4' });
        m.services[1].image = 'postgres:${inputs.TAG}';
      }),
    ).toEqual([]);
    expect(problemsOf((m) => (m.services[0].labels = { 'tomo.app': 'other' }))).toEqual([
      'services[0].labels["tomo.app"]: labels starting with "tomo." are reserved for Tomo',
    ]);
  });

  it('checks references between services: unknown, self, cycles, two mains', () => {
    expect(problemsOf((m) => (m.services[0].depends_on = ['cache']))).toEqual([
      'services[0].depends_on: "cache" is not a service of this app',
    ]);
    expect(problemsOf((m) => (m.services[1].depends_on = ['db']))).toEqual([
      'services[1].depends_on: a service cannot depend on itself',
    ]);
    expect(problemsOf((m) => (m.services[1].depends_on = ['web']))).toEqual([
      'services: depends_on forms a cycle: web → db → web',
    ]);
    expect(problemsOf((m) => (m.services[1].main = true))[0]).toMatch(
      /exactly one service may be main/,
    );
    expect(problemsOf((m) => (m.services[1].name = 'web'))[0]).toBe(
      'services[1].name: "web" is used twice',
    );
  });

  it('keeps bind mounts under ${app_data} and host ports unique', () => {
    expect(problemsOf((m) => (m.services[0].volumes[1].host = '/var/run/docker.sock'))[0]).toMatch(
      /must lie under \$\{app_data\}/,
    );
    expect(problemsOf((m) => (m.services[0].volumes[1].host = '${app_data}/../../etc'))).toEqual([
      'services[0].volumes[1].host: must not contain ".." segments',
    ]);
    expect(problemsOf((m) => (m.services[1].ports = [{ container: 80, host: 3001 }]))).toEqual([
      'services[1].ports[0].host: host port 3001/tcp is also published by services[0]',
    ]);
    expect(
      problemsOf(
        (m) => (m.services[0].volumes[0] = { name: 'a', host: '${app_data}/b', container: '/c' }),
      ),
    ).toEqual(['services[0].volumes[0]: needs exactly one of "name" (a volume) or "host"']);
  });

  it('checks substitutions: declared inputs, known variables, generators only in defaults', () => {
    expect(problemsOf((m) => (m.services[0].env.X = '${inputs.NOPE}'))).toEqual([
      'services[0].env.X: ${inputs.NOPE} names no declared input',
    ]);
    expect(problemsOf((m) => (m.services[0].env.X = '${HOME}'))[0]).toMatch(
      /\$\{HOME\} is unknown/,
    );
    expect(problemsOf((m) => (m.services[0].env.X = '${password:12}'))[0]).toMatch(
      /is a generator/,
    );
    expect(problemsOf((m) => (m.services[0].env.X = 'abc ${app_id'))).toEqual([
      'services[0].env.X: has a "${" that is never closed',
    ]);
    expect(problemsOf((m) => (m.inputs[0].default = '${password:4}'))).toEqual([
      'inputs[0].default: ${password:4}: the length must be between 8 and 128',
    ]);
    expect(problemsOf((m) => (m.inputs[0].default = '${inputs.X}'))[0]).toMatch(
      /is not a generator/,
    );
  });

  it('describes problems in one readable line', () => {
    const problems = validateManifest({}).problems;
    expect(describeProblems(problems)).toMatch(/^\(manifest\)|manifest_version/);
    expect(describeProblems(problems, 2)).toMatch(/\(and \d+ more\)$/);
  });
});

describe('manifest documents', () => {
  it('refuses duplicate keys, alias bombs and oversized files', () => {
    const dup = parseDocument('id: a\nid: b\n');
    expect(dup.ok).toBe(false);
    const bomb = ['a: &a ["x","x"]'];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)},*${String.fromCharCode(96 + i)}]`,
      );
    expect(parseDocument(bomb.join('\n')).ok).toBe(false);
    expect(parseDocument(`x: "${'a'.repeat(300 * 1024)}"`).ok).toBe(false);
  });
});

describe('published JSON Schema', () => {
  it('schemas/app-manifest.schema.json matches the schema the validator uses (npm run schema:manifest)', () => {
    const published = readFileSync(
      join(__dirname, '../../../schemas/app-manifest.schema.json'),
      'utf8',
    );
    expect(published).toBe(manifestSchemaText());
  });
});
