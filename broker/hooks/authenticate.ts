import { ELEVATOR_ID_PATTERN, GATEWAY_USERNAME_PREFIX, SERVICE_PRINCIPALS } from '../../contract/index.js';
import type { Principal } from './principal.js';

/** CONNACK return codes of MQTT 3.1.1, table 3.1. */
export const CONNACK = {
  identifierRejected: 2,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;
export type RefusalCode = (typeof CONNACK)[keyof typeof CONNACK];

export type ConnectDecision =
  | { readonly accepted: true; readonly principal: Principal }
  | { readonly accepted: false; readonly returnCode: RefusalCode; readonly reason: string };

export interface ConnectRequest {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: Buffer | undefined;
}

export interface CredentialVerifier {
  /** True when `token` is the registered elevator's current device token. */
  verifyDevice(elevatorId: string, token: string): Promise<boolean>;
  /** True when `secret` is the admin key, which liftwatch's own readers present. */
  verifyService(secret: string): boolean;
  /** True when `token` is the registered gateway's token; without it no gateway gets in. */
  verifyGateway?(gatewayId: string, token: string): Promise<boolean>;
}

const refuse = (returnCode: RefusalCode, reason: string): ConnectDecision => ({ accepted: false, returnCode, reason });

/**
 * Deny by default: only a registered elevator or building gateway with its token, or one of
 * liftwatch's readers with the admin key.
 */
export async function authenticate(request: ConnectRequest, verifier: CredentialVerifier): Promise<ConnectDecision> {
  const { clientId, username } = request;
  const password = request.password?.toString('utf8');
  if (!username || !password) return refuse(CONNACK.badUsernameOrPassword, 'username and password are required');

  if (SERVICE_PRINCIPALS.includes(username)) {
    // [MQTT-3.1.3-9] a rejected client id is answered with return code 2
    if (clientId !== username) return refuse(CONNACK.identifierRejected, 'client id must equal the username');
    if (!verifier.verifyService(password)) return refuse(CONNACK.badUsernameOrPassword, 'wrong service credentials');
    return { accepted: true, principal: { kind: 'service', name: username } };
  }

  if (username.startsWith(GATEWAY_USERNAME_PREFIX)) return authenticateGateway(request, password, verifier);
  if (!ELEVATOR_ID_PATTERN.test(username))
    return refuse(CONNACK.badUsernameOrPassword, 'username is not an elevator id');
  // [MQTT-3.1.3-9] the client id is bound to the identity: one elevator, one session
  if (clientId !== username) return refuse(CONNACK.identifierRejected, 'client id must equal the elevator id');
  if (!(await verifier.verifyDevice(username, password))) {
    return refuse(CONNACK.badUsernameOrPassword, 'unknown elevator or wrong token');
  }
  return { accepted: true, principal: { kind: 'elevator', id: username } };
}

/** A gateway connects as `gateway:{id}`, with that as its client id too: one gateway, one session. */
async function authenticateGateway(
  { clientId, username }: ConnectRequest,
  password: string,
  verifier: CredentialVerifier,
): Promise<ConnectDecision> {
  const id = (username as string).slice(GATEWAY_USERNAME_PREFIX.length);
  if (!ELEVATOR_ID_PATTERN.test(id)) return refuse(CONNACK.badUsernameOrPassword, 'username names no gateway id');
  // [MQTT-3.1.3-9] a rejected client id is answered with return code 2
  if (clientId !== username) return refuse(CONNACK.identifierRejected, 'client id must equal the username');
  if (!(await verifier.verifyGateway?.(id, password)))
    return refuse(CONNACK.badUsernameOrPassword, 'unknown gateway or wrong token');
  return { accepted: true, principal: { kind: 'gateway', id } };
}
