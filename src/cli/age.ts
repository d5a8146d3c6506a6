/** A duration the way kubectl prints ages: the two largest units, `45s`, `3m12s`, `2h05m`, `4d3h`. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

/** Age of an ISO 8601 instant at `now` (epoch ms), `-` when unknown. */
export function ageOf(iso: string | null, now: number): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '-' : formatAge(Math.max(0, now - t));
}
