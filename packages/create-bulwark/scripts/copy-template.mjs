// prepack: bundles templates/service into the package, so the published CLI carries it.
import { cpSync, rmSync } from 'node:fs';

const from = new URL('../../../templates/service/', import.meta.url);
const to = new URL('../template/', import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, {
  recursive: true,
  filter: (path) => !/\/(node_modules|dist|\.bulwark|test-results|coverage)(\/|$)/.test(path),
});
