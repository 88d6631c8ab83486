#!/usr/bin/env -S node --max-semi-space-size=64
// Runs the TypeScript sources directly through tsx, so `npx liftwatch` works right after `npm ci`.
// node's flags on the first line are cli/node-flags.ts's NODE_FLAGS (a test keeps them equal).
import { register } from 'tsx/esm/api';

register();
await import('../cli/run.ts');
