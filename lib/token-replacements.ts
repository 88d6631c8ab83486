/** Called with the MQTT username whose token changed: an elevator id, or `gateway:{id}`. */
export type TokenReplacedListener = (username: string) => void;

/** What the broker listens to: a device's or gateway's token was replaced (or the gateway deleted) in this process. */
export interface TokenReplacementFeed {
  /** Returns a function that stops listening. */
  onTokenReplaced(listener: TokenReplacedListener): () => void;
}

/** What the API tells. */
export interface TokenReplacementNotice {
  tokenReplaced(username: string): void;
}

/**
 * News, within one process, that a device or gateway token was replaced, so the broker drops the
 * connection made with the old token at once (a broker in another process polls the store instead).
 */
export class TokenReplacements implements TokenReplacementFeed, TokenReplacementNotice {
  private readonly listeners = new Set<TokenReplacedListener>();

  onTokenReplaced(listener: TokenReplacedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tokenReplaced(username: string): void {
    for (const listener of this.listeners) listener(username);
  }
}
