import { EventEmitter } from 'node:events';

/**
 * Wakes in-process listeners (event streams, list counts) when a server's client events change.
 * The events themselves live in the store: changes made here are told directly, changes made by
 * another replica arrive through the store's change feed (`client_events`), which the composition
 * root forwards here — and after a gap in that feed, `notifyAll` makes every listener re-read.
 */
export class ChangeBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  notify(serverId: string): void {
    this.emitter.emit(serverId);
  }

  /** Every server with listeners: changes may have been missed (the change feed had a gap). */
  notifyAll(): void {
    for (const name of this.emitter.eventNames()) this.emitter.emit(name);
  }

  /** Listeners across every server (open event streams), for metrics. */
  subscriberCount(): number {
    return this.emitter.eventNames().reduce((sum, name) => sum + this.emitter.listenerCount(name), 0);
  }

  subscribe(serverId: string, listener: () => void): () => void {
    this.emitter.on(serverId, listener);
    return () => this.emitter.off(serverId, listener);
  }
}
