import fs from 'node:fs';
import path from 'node:path';

/**
 * The pilot's notice (渝市监发〔2023〕70号) lives beside the repository, in ../shared/seed (CI copies
 * the shared folder there). Tests read its forms' words from it instead of restating them.
 */
export const NOTICE_FILE = path.resolve(import.meta.dirname, '../../../shared/seed/pilot-notice-2023-70.txt');

export interface NoticeForm {
  /** `附件1` or `附件2`, as the notice marks the attachment. */
  readonly attachment: string;
  readonly title: string;
  /** The column headers in the form's order, whitespace inside a header removed. */
  readonly headers: readonly string[];
  /** The labels of the form's fields outside the table (填报单位, ...), top to bottom, left to right. */
  readonly fields: readonly string[];
  /** Cells the form prints in its rows (Attachment 1: the premium sources), whitespace removed. */
  readonly printed: readonly string[];
}

function readNotice(): string {
  if (!fs.existsSync(NOTICE_FILE)) {
    throw new Error(
      `The pilot's notice is not at ${NOTICE_FILE}: the tests read the report forms' words from ../shared/seed beside the repository`,
    );
  }
  return fs.readFileSync(NOTICE_FILE, 'utf8').replaceAll('\r\n', '\n');
}

const squeeze = (text: string) => text.replace(/\s+/gu, '');

/** A form's table cells are lines that begin with a tab; a line without one continues the cell above. */
function cellsOf(block: string): string[] {
  const cells: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('\t')) cells.push(line);
    else if (cells.length > 0) cells[cells.length - 1] += line;
  }
  return cells.map(squeeze).filter((cell) => cell.length > 0);
}

/** One attachment's form as the notice prints it. */
export function noticeForm(attachment: '附件1' | '附件2'): NoticeForm {
  const notice = readNotice();
  const marker = new RegExp(`^\\s*${attachment}\\s*$`, 'mu').exec(notice);
  if (!marker) throw new Error(`The notice has no ${attachment}`);
  const rest = notice.slice(marker.index + marker[0].length);
  const next = /^\s*附件\d\s*$/mu.exec(rest);
  const section = next ? rest.slice(0, next.index) : rest;
  const title =
    section
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? '';
  const blocks = section
    .slice(section.indexOf(title) + title.length)
    .split(/\n\s*\n/u)
    .map(cellsOf)
    .filter((cells) => cells.length > 0);
  const fields = section
    .split('\n')
    .filter((line) => !line.startsWith('\t'))
    .flatMap((line) => [...line.matchAll(/([^\s：]+)：/gu)].map((match) => match[1] as string));
  return { attachment, title, headers: blocks[0] ?? [], fields, printed: blocks[1] ?? [] };
}
