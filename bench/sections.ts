import { engineSection } from './engine.js';
import { openflowSection } from './openflow.js';
import { scaleSection } from './scale.js';
import type { BenchSection } from './section.js';

/** Every benchmark section, in the order they run. */
export const sections: BenchSection[] = [openflowSection, engineSection, scaleSection];
