import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LIFTWATCH_BIN, NODE_FLAGS } from '../../cli/node-flags.js';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const flags = NODE_FLAGS.join(' ');

describe("node's flags for liftwatch", () => {
  it('are the same in the command, npm start, the demo and the Docker image', () => {
    expect(read('bin/liftwatch.mjs').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(`node ${flags} bin/liftwatch.mjs start`);
    expect(scripts.demo).toMatch(new RegExp(`&& node ${flags} bin/liftwatch\\.mjs start --demo$`));
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', ...NODE_FLAGS, 'bin/liftwatch.mjs', 'start']);
  });

  it('reach node when the command runs as a program, through its first line', async () => {
    const run = promisify(execFile);
    expect((await run(LIFTWATCH_BIN, ['--help'])).stdout).toMatch(/^liftwatch: /);
    // As the kernel runs the first line: its program, then the rest as one argument, then a script.
    const [program, rest] = read('bin/liftwatch.mjs').split('\n')[0]?.slice('#!'.length).split(/ (.*)/s) ?? [];
    const { stdout } = await run(program as string, [
      rest as string,
      '-e',
      'console.log(JSON.stringify(process.execArgv))',
    ]);
    expect(JSON.parse(stdout)).toEqual(expect.arrayContaining([...NODE_FLAGS]));
  });
});
