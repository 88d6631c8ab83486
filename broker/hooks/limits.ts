import { ALLOW, deny, type Decision } from './principal.js';

/**
 * A PUBLISH whose payload is larger than `maxBytes` is refused, which closes the connection
 * ([MQTT-3.3.5-2]: 3.1.1 has no negative PUBACK); nothing of it is stored.
 */
export function checkPayloadSize(payloadBytes: number, maxBytes: number): Decision {
  return payloadBytes <= maxBytes ? ALLOW : deny(`payload of ${payloadBytes} bytes is over the ${maxBytes}-byte limit`);
}

/**
 * The keepalive the broker holds a client to: its own, unless that is 0 (never) or longer than
 * `maxSeconds`, which is clamped to `maxSeconds` rather than refused, so a device with a
 * hard-coded keepalive still delivers. The broker then closes a connection silent for 1.5 times
 * it [MQTT-3.1.2-24], which 3.1.1 permits whatever the client asked for (section 3.1.2.10: "a
 * Server is permitted to disconnect a Client that it determines to be inactive or
 * non-responsive at any time"). `maxSeconds` 0 keeps every keepalive as asked.
 */
export function clampKeepalive(requestedSeconds: number, maxSeconds: number): number {
  if (maxSeconds === 0) return requestedSeconds;
  return requestedSeconds === 0 || requestedSeconds > maxSeconds ? maxSeconds : requestedSeconds;
}

/**
 * On a listener with mutual TLS, the client certificate's subject CN must be the identity the
 * client connects as (its username, which authenticate binds to the client id). A certificate
 * with no CN, or several, names nobody.
 */
export function checkCertificateName(
  commonName: string | readonly string[] | undefined,
  username: string | undefined,
): Decision {
  if (typeof commonName !== 'string' || commonName === '')
    return deny('the client certificate has no single subject CN');
  if (commonName !== username) return deny(`the client certificate names ${commonName}, not ${username ?? 'nobody'}`);
  return ALLOW;
}
