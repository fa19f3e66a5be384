import type { ManifestProblem } from '../../marketplace/manifest/manifest.types';

/** What the resolver needs besides the manifest and the caller's `config`. */
export interface PlanContext {
  /** The installation's uuid; its first 12 hex digits name the network, containers and volumes. */
  installationId: string;
  /** Absolute directory holding every app's data (`/srv/tomo/apps`); `${app_data}` is `<dataRoot>/<app id>`. */
  dataRoot: string;
  /** Input values kept from an earlier install (update_app): generated secrets must not change. */
  previousInputs?: Readonly<Record<string, string>>;
  /** Host ports already taken on the server, avoided by `${random_port}` (preflight checks the rest). */
  usedPorts?: ReadonlySet<number>;
  /** Random bytes; injectable for tests. Defaults to `crypto.randomBytes`. */
  random?: (bytes: number) => Buffer;
}

/**
 * Everything the engine needs to deploy one installation, resolved and checked: no `${…}` is left,
 * every name is derived from the installation id, every bind source lies under the data root.
 */
export interface DeploymentPlan {
  appId: string;
  version: string;
  installationId: string;
  /** The app's own bridge network, `tomo-<short id>`. */
  network: string;
  /** `${app_data}`: `<dataRoot>/<app id>`, absolute and normalised. */
  appData: string;
  /** Every declared input with its value (secrets included: the engine stores them sealed). */
  inputs: Record<string, string>;
  /** Names of the password inputs, whose values are never shown back. */
  secretInputs: string[];
  /** The named volumes to create, `tomo-<short id>-<name>`, each once, in order of first use. */
  volumes: string[];
  /** In start order: a service comes after everything it depends on, manifest order otherwise. */
  services: PlannedService[];
}

export interface PlannedPort {
  container: number;
  /** The published host port, or null when the port is not published. */
  host: number | null;
  protocol: 'tcp' | 'udp';
  /** The port users open (as the manifest marks it). */
  main: boolean;
}

/** A named volume Tomo manages. */
export interface PlannedNamedVolume {
  kind: 'volume';
  /** `tomo-<short id>-<manifest volume name>`, shared by the services naming the same volume. */
  name: string;
  target: string;
  readOnly: boolean;
}

/** A bind mount of a host directory under the data root. */
export interface PlannedBindMount {
  kind: 'bind';
  /** Absolute, normalised, under `appData` (manifest mounts) or under `dataRoot` (caller overrides). */
  source: string;
  target: string;
  readOnly: boolean;
}

export type PlannedVolume = PlannedNamedVolume | PlannedBindMount;

/** A healthcheck with Docker's defaults filled in (30 s, 30 s, 3 retries, no start period). */
export interface PlannedHealthcheck {
  test: string[];
  interval_s: number;
  timeout_s: number;
  retries: number;
  start_period_s: number;
}

export interface PlannedService {
  /** The manifest's service name. */
  name: string;
  /** `tomo-<short id>-<service>`. */
  containerName: string;
  image: string;
  pull: 'missing' | 'always';
  /** argv replacing the image's command, or null for the image's own (an empty list is null). */
  command: string[] | null;
  /** argv replacing the image's entrypoint, or null for the image's own. */
  entrypoint: string[] | null;
  /** Own keys only (a `__proto__` variable is a plain key); values are passed as one argument. */
  env: Record<string, string>;
  ports: PlannedPort[];
  volumes: PlannedVolume[];
  healthcheck: PlannedHealthcheck | null;
  /** `unless-stopped` when the manifest says nothing. */
  restart: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  user: string | null;
  /** Added capabilities, from the manifest's allow-list. */
  capabilities: string[];
  /** The manifest's labels plus `tomo.installation`, `tomo.app` and `tomo.service`. */
  labels: Record<string, string>;
  /** Network aliases on the app network: `[name]`, so services reach each other by name. */
  aliases: string[];
  dependsOn: string[];
  /** The service users open: the one marked main, or the first. */
  main: boolean;
}

/** One reason the plan cannot be made: where to fix it (`config.inputs.ADMIN_PASSWORD`) and what. */
export type PlanProblem = ManifestProblem;
