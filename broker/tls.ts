import fs from 'node:fs';
import type net from 'node:net';
import tls, { type TLSSocket, type TlsOptions } from 'node:tls';
import { LiftwatchError } from '../lib/errors.js';
import type { PeerCertificate } from './hardening.js';

/** Where the TLS listener's PEM files are: LW_TLS_CERT, LW_TLS_KEY and, for mutual TLS, LW_TLS_CA. */
export interface TlsFiles {
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string | null;
}

/** The MQTT-over-TLS listener. */
export interface BrokerTls {
  readonly port: number;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** CA certificates (PEM) that sign client certificates; set, the listener asks for one (mutual TLS). */
  readonly ca: Buffer | null;
  /** A handshake not done by then is dropped; default DEFAULT_HANDSHAKE_TIMEOUT_MS. */
  readonly handshakeTimeoutMs?: number;
}

const MIN_TLS_VERSION = 'TLSv1.2';
/** A handshake not done by then is dropped; Node's own two minutes let a flood hold sockets. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

function readPem(variable: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new LiftwatchError('LW_ERR_CONFIG', `${variable}=${file} cannot be read: ${(error as Error).message}`);
  }
}

/** Reads the PEM files; LW_ERR_CONFIG names the variable of one that cannot be read. */
export function readTlsFiles(files: TlsFiles): BrokerTls {
  return {
    port: files.port,
    cert: readPem('LW_TLS_CERT', files.certFile),
    key: readPem('LW_TLS_KEY', files.keyFile),
    ca: files.caFile === null ? null : readPem('LW_TLS_CA', files.caFile),
  };
}

/**
 * With a CA, the listener asks for a client certificate. It does not let OpenSSL reject a bad one
 * mid-handshake (the socket is then gone before its address can be counted): the secured socket
 * says whether the certificate verified, and an unverified one is closed before aedes sees it.
 */
function tlsServerOptions(tls: BrokerTls): TlsOptions {
  const mutual = tls.ca === null ? {} : { ca: tls.ca, requestCert: true, rejectUnauthorized: false };
  return {
    cert: tls.cert,
    key: tls.key,
    minVersion: MIN_TLS_VERSION,
    handshakeTimeout: tls.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    ...mutual,
  };
}

/** The subject CN of the verified client certificate; several when the subject repeats CN. */
function peerCommonName(socket: TLSSocket): string | string[] | undefined {
  const subject = socket.getPeerCertificate().subject as { CN?: string | string[] } | undefined;
  return subject?.CN;
}

export interface TlsListenerHooks {
  /** Runs on the raw socket, before the handshake costs anything; false has destroyed it. */
  admit(socket: net.Socket): boolean;
  /** A secured connection, with its client certificate's CN under mutual TLS. */
  handle(socket: TLSSocket, peer: PeerCertificate | undefined): void;
  failed(address: string | undefined, error: Error): void;
}

/** The MQTT-over-TLS server, not yet listening. */
export function createTlsServer(config: BrokerTls, hooks: TlsListenerHooks): tls.Server {
  const mutual = config.ca !== null;
  const server = tls.createServer(tlsServerOptions(config), (socket) => {
    if (!mutual) return hooks.handle(socket, undefined);
    if (!socket.authorized) {
      hooks.failed(socket.remoteAddress, new Error(`client certificate refused: ${String(socket.authorizationError)}`));
      return void socket.destroy();
    }
    hooks.handle(socket, { commonName: peerCommonName(socket) });
  });
  server.prependListener('connection', (socket: net.Socket) => hooks.admit(socket));
  server.on('tlsClientError', (error, socket) => {
    hooks.failed(socket.remoteAddress, error);
    // Node destroys the socket of a failed handshake only when nothing listens for the failure:
    // a handshake timeout left the socket open for as long as the client kept it.
    socket.destroy();
  });
  return server;
}
