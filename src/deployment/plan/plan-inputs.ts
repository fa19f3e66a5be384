import type { AppManifest, ManifestInput } from '../../marketplace/manifest/manifest.types';
import type { PlanProblem } from './deployment-plan.types';
import type { InputOverride } from './plan-config';
import { runGenerator, type RandomBytes } from './plan-generators';
import { keyPath, LIMITS, LINE_BREAK_OR_NUL, setOwn } from './plan-support';

export interface InputSources {
  /** The caller's values (`config.inputs`), by input name, not yet checked. */
  overrides: ReadonlyMap<string, InputOverride>;
  /** Values kept from an earlier install. */
  previous: Readonly<Record<string, string>>;
  random: RandomBytes;
  /** Ports `${random_port}` must avoid; the ports it picks are added. */
  takenPorts: Set<number>;
}

export interface ResolvedInputs {
  /** Every declared input, in declaration order. */
  inputs: Record<string, string>;
  /** The password inputs. */
  secretInputs: string[];
  problems: PlanProblem[];
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const PORT = /^[1-9]\d{0,4}$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
const TOKEN = /\$\{([^}]*)\}/g;

/** The caller's value as text, or why its JSON type does not fit the input. */
function coerce(input: ManifestInput, value: unknown): string | { problem: string } {
  if (typeof value === 'string') return value;
  const numeric = ['number', 'port', 'select', 'text'].includes(input.type);
  if (typeof value === 'number' && numeric && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean' && (input.type === 'boolean' || input.type === 'text')) {
    return String(value);
  }
  switch (input.type) {
    case 'number':
    case 'port':
      return { problem: 'must be a number' };
    case 'boolean':
      return { problem: 'must be true or false' };
    case 'text':
    case 'password':
    case 'select':
    case 'path':
    case 'email':
    case 'url':
      return { problem: 'must be a string' };
  }
}

function isHttpUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Why a non-empty value does not fit the input's type, or null. Never repeats the value. */
export function inputValueProblem(input: ManifestInput, value: string): string | null {
  if (LINE_BREAK_OR_NUL.test(value)) return 'must not contain line breaks or NUL';
  if (value.length > LIMITS.inputValue) return `must be at most ${LIMITS.inputValue} characters`;
  switch (input.type) {
    case 'text': {
      if (!input.pattern) return null;
      const pattern = new RegExp(`^(?:${input.pattern})$`, 'u');
      return pattern.test(value) ? null : `must match the pattern ${input.pattern}`;
    }
    case 'password':
      return null;
    case 'number':
      return NUMBER.test(value) ? null : 'must be a number';
    case 'boolean':
      return value === 'true' || value === 'false' ? null : 'must be true or false';
    case 'select': {
      const options = (input.options ?? []).map(String);
      return options.includes(value)
        ? null
        : `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}`;
    }
    case 'port':
      return PORT.test(value) && Number(value) <= 65535 ? null : 'must be a port (1–65535)';
    case 'path':
      if (!value.startsWith('/')) return 'must be an absolute path';
      return value.split('/').includes('..') ? 'must not contain ".." segments' : null;
    case 'email':
      return value.length <= 254 && EMAIL.test(value) ? null : 'must be an email address';
    case 'url':
      return isHttpUrl(value) ? null : 'must be an http(s) URL';
  }
}

type Resolution =
  | { source: 'config'; value: string; path: string }
  | { source: 'previous' | 'default' | 'none'; value: string };

class InputResolver {
  readonly problems: PlanProblem[] = [];

  constructor(private readonly sources: InputSources) {}

  /** The default, its generators run; null (with a problem) when one fails. */
  private defaultOf(input: ManifestInput, index: number): string | null {
    const value = input.default;
    if (typeof value !== 'string') return String(value);
    let failed = false;
    const expanded = value.replace(TOKEN, (_whole, token: string) => {
      const generated = runGenerator(token, this.sources.random, this.sources.takenPorts);
      if (typeof generated === 'string') return generated;
      this.problems.push({ path: `inputs[${index}].default`, message: generated.failure });
      failed = true;
      return '';
    });
    return failed ? null : expanded;
  }

  /** The caller's value, else the kept one, else the default, else nothing. */
  private resolve(input: ManifestInput, index: number): Resolution | null {
    const override = this.sources.overrides.get(input.name);
    if (override) {
      const value = coerce(input, override.value);
      if (typeof value === 'string') return { source: 'config', value, path: override.path };
      this.problems.push({ path: override.path, message: value.problem });
      return null;
    }
    const previous = this.sources.previous;
    if (Object.hasOwn(previous, input.name) && typeof previous[input.name] === 'string') {
      return { source: 'previous', value: previous[input.name] ?? '' };
    }
    if (input.default !== undefined && input.default !== null) {
      const value = this.defaultOf(input, index);
      return value === null ? null : { source: 'default', value };
    }
    return { source: 'none', value: '' };
  }

  /** The input's value, or null after recording why there is none. */
  value(input: ManifestInput, index: number): string | null {
    const resolution = this.resolve(input, index);
    if (!resolution) return null;
    const callerPath = keyPath('config.inputs', input.name);
    if (resolution.value === '') {
      if (!input.required) return '';
      this.problems.push({
        path: resolution.source === 'config' ? resolution.path : callerPath,
        message: 'is required',
      });
      return null;
    }
    const problem = inputValueProblem(input, resolution.value);
    if (!problem) return resolution.value;
    switch (resolution.source) {
      case 'config':
        this.problems.push({ path: resolution.path, message: problem });
        break;
      case 'previous':
        this.problems.push({
          path: callerPath,
          message: `the value kept from the earlier install no longer fits: it ${problem}; give a new one`,
        });
        break;
      case 'default':
      case 'none':
        this.problems.push({ path: `inputs[${index}].default`, message: problem });
        break;
    }
    return null;
  }
}

/**
 * A value for every declared input: the caller's (checked against the input's type), else the one
 * kept from an earlier install, else the default with its generators run, else "" (or a problem
 * when the input is required). Values are plain text: a `${…}` inside one is never expanded.
 */
export function resolveInputs(manifest: AppManifest, sources: InputSources): ResolvedInputs {
  const resolver = new InputResolver(sources);
  const inputs: Record<string, string> = {};
  const secretInputs: string[] = [];
  (manifest.inputs ?? []).forEach((input, index) => {
    const value = resolver.value(input, index);
    if (value !== null) setOwn(inputs, input.name, value);
    if (input.type === 'password') secretInputs.push(input.name);
  });
  return { inputs, secretInputs, problems: resolver.problems };
}
