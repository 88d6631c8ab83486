import type { FastifyReply } from 'fastify';

/** A file to send as a download: a CSV or XLSX report. */
export interface Download {
  readonly body: string | Buffer;
  readonly contentType: string;
  /** What to call the file; may hold Chinese (a district). */
  readonly fileName: string;
}

/** Sends a file as an attachment (JSON answers go through their routes' response schemas instead). */
export function sendDownload(reply: FastifyReply, file: Download): FastifyReply {
  // The plain filename drops what is not ASCII (a Chinese district); filename* keeps it (RFC 6266).
  const ascii = file.fileName.replace(/[^\w.-]+/g, '').replace(/-{2,}/g, '-');
  const disposition = `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`;
  return reply.type(file.contentType).header('content-disposition', disposition).send(file.body);
}
