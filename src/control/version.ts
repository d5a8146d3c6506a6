import { readFileSync } from 'node:fs';

/** The package version, from the nearest package.json above this module (src/ or dist/src/). */
export const VERSION = ((): string => {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'asterisk-rtp-offload' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next level up
    }
  }
  return 'unknown';
})();
