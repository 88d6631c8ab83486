import fs from 'node:fs';
import { z } from 'zod';
import { describeIssues } from '../lib/issues.js';
import type { ApiClientOptions } from './api-client.js';
import { FleetError } from './errors.js';
import { politeFetch } from './polite-fetch.js';
import { scoredTicketSchema, type ScoredTicket } from './score.js';

const PAGE_LIMIT = 1000;
const pageSchema = z.object({ items: z.array(scoredTicketSchema), next: z.string().nullable() });

/** Tickets from a file: JSON lines or one JSON array of {id, elevator, rule, openedAt}. */
export function readTicketFile(file: string): ScoredTicket[] {
  if (!fs.existsSync(file)) throw new FleetError(`No tickets file ${file}`);
  const text = fs.readFileSync(file, 'utf8').trim();
  const values: unknown[] = text.startsWith('[')
    ? (JSON.parse(text) as unknown[])
    : text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as unknown);
  return values.map((value, index) => {
    const result = scoredTicketSchema.safeParse(value);
    if (!result.success)
      throw new FleetError(`${file}: ticket ${index + 1} is not valid: ${describeIssues(result.error)}`);
    return result.data;
  });
}

async function get(api: ApiClientOptions, route: string): Promise<unknown> {
  let response: Response;
  try {
    response = await politeFetch(`${api.apiUrl}${route}`, { headers: { authorization: `Bearer ${api.adminToken}` } });
  } catch (error) {
    throw new FleetError(`cannot reach the liftwatch API at ${api.apiUrl}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new FleetError(`GET ${route} answered ${response.status}`);
  return response.json();
}

/** Every ticket liftwatch opened, with its occurrences, from `GET /api/tickets` page by page. */
export async function fetchTickets(api: ApiClientOptions): Promise<ScoredTicket[]> {
  const tickets: ScoredTicket[] = [];
  let after: string | null = '';
  while (after !== null) {
    const query = new URLSearchParams({ limit: String(PAGE_LIMIT), ...(after ? { after } : {}) });
    const page = pageSchema.parse(await get(api, `/api/tickets?${query}`));
    for (const ticket of page.items)
      tickets.push(scoredTicketSchema.parse(await get(api, `/api/tickets/${ticket.id}`)));
    after = page.next;
  }
  return tickets;
}
