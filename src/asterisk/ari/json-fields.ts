/**
 * Reading ARI JSON (rest-api/api-docs/*.json models) without trusting it: every reader takes
 * `unknown`, records what was wrong in a FieldProblems list, and returns a neutral value.
 */

import { FieldProblems, INT32, type IntRange } from '../ami/channel-fields.js';

export { FieldProblems };

export type JsonObject = Readonly<Record<string, unknown>>;

/** A property of parsed JSON, never an inherited one (`constructor`, `toString`, …). */
export function own(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function requireObject(obj: JsonObject, key: string, p: FieldProblems, path = key): JsonObject {
  const v = own(obj, key);
  if (v === undefined || v === null) {
    p.missing(path);
    return {};
  }
  if (!isObject(v)) {
    p.bad(path, JSON.stringify(v), 'an object');
    return {};
  }
  return v;
}

export function optionalObject(
  obj: JsonObject,
  key: string,
  p: FieldProblems,
  path = key,
): JsonObject | null {
  const v = own(obj, key);
  if (v === undefined || v === null) return null;
  if (!isObject(v)) {
    p.bad(path, JSON.stringify(v), 'an object');
    return null;
  }
  return v;
}

/** A non-empty string. */
export function requireString(obj: JsonObject, key: string, p: FieldProblems, path = key): string {
  const v = own(obj, key);
  if (v === undefined || v === null || v === '') {
    p.missing(path);
    return '';
  }
  if (typeof v !== 'string') {
    p.bad(path, JSON.stringify(v), 'a string');
    return '';
  }
  return v;
}

/** A string that may be empty or absent (''). */
export function stringOr(obj: JsonObject, key: string, p: FieldProblems, path = key): string {
  const v = own(obj, key);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') {
    p.bad(path, JSON.stringify(v), 'a string');
    return '';
  }
  return v;
}

export function optionalString(obj: JsonObject, key: string, p: FieldProblems, path = key): string | null {
  const v = stringOr(obj, key, p, path);
  return v === '' ? null : v;
}

/** An integer in `range` (inclusive); outside it is malformed, never clamped. */
export function requireInteger(
  obj: JsonObject,
  key: string,
  p: FieldProblems,
  path = key,
  range: IntRange = INT32,
): number {
  const v = own(obj, key);
  if (v === undefined || v === null) {
    p.missing(path);
    return 0;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    p.bad(path, JSON.stringify(v), 'an integer');
    return 0;
  }
  if (v < range.min || v > range.max) {
    p.bad(path, String(v), `in ${range.min}..${range.max}`);
    return 0;
  }
  return v;
}

export function requireStringArray(obj: JsonObject, key: string, p: FieldProblems, path = key): string[] {
  const v = own(obj, key);
  if (v === undefined || v === null) {
    p.missing(path);
    return [];
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    p.bad(path, JSON.stringify(v), 'an array of strings');
    return [];
  }
  return v as string[];
}
