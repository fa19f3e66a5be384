import type {
  ARCHITECTURES,
  CATEGORIES,
  INPUT_TYPES,
  RESTART_POLICIES,
  SOURCE_FORMATS,
} from './manifest.schema';

/** A Tomo app manifest, version 1, as MANIFEST.md defines it (validated, not yet resolved). */
export interface AppManifest {
  manifest_version: 1;
  id: string;
  name: string;
  version: string;
  description?: string;
  category?: (typeof CATEGORIES)[number];
  tags?: string[];
  icon?: string;
  links?: { website?: string; repository?: string; documentation?: string };
  admin_only?: boolean;
  requirements?: {
    memory_mb?: number;
    disk_mb?: number;
    architectures?: (typeof ARCHITECTURES)[number][];
  };
  inputs?: ManifestInput[];
  services: ManifestService[];
  source?: ManifestSource;
  [extension: `x-${string}`]: unknown;
}

export type SourceFormat = (typeof SOURCE_FORMATS)[number];

export interface ManifestSource {
  repository?: string;
  commit?: string;
  path?: string;
  format?: SourceFormat;
}

export interface ManifestInput {
  name: string;
  label: string;
  type: (typeof INPUT_TYPES)[number];
  required?: boolean;
  default?: string | number | boolean | null;
  options?: (string | number)[];
  pattern?: string | null;
  description?: string;
}

export interface ManifestPort {
  container: number;
  host?: number | null;
  protocol?: 'tcp' | 'udp';
  main?: boolean;
}

export interface ManifestVolume {
  /** A named volume Tomo manages… */
  name?: string;
  /** …or a bind mount, always under `${app_data}`. */
  host?: string;
  container: string;
  mode?: 'rw' | 'ro';
}

export interface ManifestHealthcheck {
  test: string[];
  interval_s?: number;
  timeout_s?: number;
  retries?: number;
  start_period_s?: number;
}

export interface ManifestService {
  name: string;
  image: string;
  pull?: 'missing' | 'always';
  command?: string[];
  entrypoint?: string[];
  env?: Record<string, string | number | boolean>;
  ports?: ManifestPort[];
  volumes?: ManifestVolume[];
  healthcheck?: ManifestHealthcheck;
  restart?: (typeof RESTART_POLICIES)[number];
  depends_on?: string[];
  user?: string;
  capabilities?: string[];
  labels?: Record<string, string>;
  main?: boolean;
}

/** One problem of a manifest: where (`services[0].image`) and what a person should fix. */
export interface ManifestProblem {
  path: string;
  message: string;
}
