/** Who a connected MQTT client is, decided once at CONNECT. */
export type Principal =
  | { readonly kind: 'elevator'; readonly id: string }
  /** A building gateway, publishing for the elevators whose registry record names it. */
  | { readonly kind: 'gateway'; readonly id: string }
  /** One of liftwatch's own readers (ingest, recorder). */
  | { readonly kind: 'service'; readonly name: string };

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

export const ALLOW: Decision = { allowed: true };
export const deny = (reason: string): Decision => ({ allowed: false, reason });
