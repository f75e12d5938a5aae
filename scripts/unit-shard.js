#!/usr/bin/env node
// One shard of `npm run test:unit`: imports the given test files into this one process, so the
// unit set pays for loading TypeScript and the app's modules once per shard instead of once per
// file. node:test runs what they register, in order, and reports at the end. Run by scripts/test.js.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

for (const file of process.argv.slice(2)) await import(pathToFileURL(resolve(file)).href);
