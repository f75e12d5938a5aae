import { EventEmitter } from 'node:events';

/**
 * Wakes in-process listeners (event streams) when a server's client events change. The events
 * themselves live in the store, so a listener on another replica catches up by polling; this bus
 * only makes the local case immediate.
 */
export class ChangeBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  notify(serverId: string): void {
    this.emitter.emit(serverId);
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
