import { isPlainObject, RpcError, RpcErrorCode, type Params } from '../protocol';

/** Readers for method params: absent means the default, a wrong type is -32602. */

export function invalidParams(message: string): RpcError {
  return new RpcError(RpcErrorCode.invalidParams, `Invalid params: ${message}`);
}

export function requiredString(params: Params, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidParams(`"${name}" must be a non-empty string`);
  }
  return value;
}

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParams(`"${name}" must be a string`);
  return value;
}

export function optionalBoolean(params: Params, name: string, fallback: boolean): boolean {
  const value = params[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw invalidParams(`"${name}" must be a boolean`);
  return value;
}

export function optionalNumber(
  params: Params,
  name: string,
  fallback: number,
  { min, max, integer = false }: { min: number; max: number; integer?: boolean },
): number {
  const value = params[name];
  if (value === undefined || value === null) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < min ||
    value > max
  ) {
    throw invalidParams(
      `"${name}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
    );
  }
  return value;
}

export function optionalStringMap(params: Params, name: string): Record<string, string> {
  const value = params[name];
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw invalidParams(`"${name}" must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string') out[key] = item;
    else if (typeof item === 'number' || typeof item === 'boolean') out[key] = String(item);
    else throw invalidParams(`"${name}.${key}" must be a string`);
  }
  return out;
}

export function optionalStringArray(params: Params, name: string): string[] {
  const value = params[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalidParams(`"${name}" must be an array of strings`);
  }
  return value;
}
