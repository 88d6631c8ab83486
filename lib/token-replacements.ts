export type TokenReplacedListener = (elevatorId: string) => void;

/** What the broker listens to: an elevator's device token was replaced in this process. */
export interface TokenReplacementFeed {
  /** Returns a function that stops listening. */
  onTokenReplaced(listener: TokenReplacedListener): () => void;
}

/** What the API tells. */
export interface TokenReplacementNotice {
  tokenReplaced(elevatorId: string): void;
}

/**
 * News, within one process, that a device token was replaced, so the broker drops the device
 * connected with the old token at once (a broker in another process polls the store instead).
 */
export class TokenReplacements implements TokenReplacementFeed, TokenReplacementNotice {
  private readonly listeners = new Set<TokenReplacedListener>();

  onTokenReplaced(listener: TokenReplacedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tokenReplaced(elevatorId: string): void {
    for (const listener of this.listeners) listener(elevatorId);
  }
}
