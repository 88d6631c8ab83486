import type { z } from 'zod';

/** A zod error as one line per problem: `path.to.field: what is wrong`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
    .join('\n');
}
