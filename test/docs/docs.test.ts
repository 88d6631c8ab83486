import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../config/env.js';
import { ERROR_CODES } from '../../lib/errors.js';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const readme = read('README.md');
/** A markdown table row whose first cell is the name in backticks. */
const tableRow = (name: string) => new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm');

describe('docs match the code', () => {
  it('documents every error code in docs/errors.md', () => {
    const errors = read('docs/errors.md');
    for (const code of Object.keys(ERROR_CODES)) expect(errors).toMatch(tableRow(code));
  });

  it('lists every environment variable in the README configuration table', () => {
    for (const name of Object.keys(envSchema.shape)) expect(readme).toMatch(tableRow(name));
  });

  it('has a quick start of two commands that package.json defines, and CI runs the second', () => {
    const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = quickStart
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm run demo', 'npm test']);
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(scripts.demo).toMatch(/bootstrap/);
    expect(scripts.test).toMatch(/scripts\/test\.sh/);
    expect(read('.ci/run')).toMatch(/^npm test\b/m);
  });
});
