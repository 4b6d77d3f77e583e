import { fileURLToPath } from 'node:url';
import { compileFixtures } from '@bulwark/test-harness';

/** Compiles the fixture apps the e2e tests spawn (they import the built dist of the packages). */
export default function setup(): void {
  compileFixtures(fileURLToPath(new URL('./fixtures/', import.meta.url)));
}
