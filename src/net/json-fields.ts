/** Narrowing helpers for `ip -j` output, which is JSON of no declared type. */

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(obj: JsonObject, key: string): string | null {
  const value = obj[key];
  return typeof value === 'string' ? value : null;
}

export function stringArrayField(obj: JsonObject, key: string): string[] {
  const value = obj[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** iproute2 prints present flags as `"router": null` or `"secondary": true`: presence is what counts. */
export function hasFlag(obj: JsonObject, key: string): boolean {
  return key in obj && obj[key] !== false;
}
