#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx liftwatch` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../cli/run.ts');
