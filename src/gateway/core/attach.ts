/**
 * Attaching to an OpenVPN that is starting: when to try its management socket, when to wait, when
 * to give up. Pure; the shell sleeps `ATTACH_RETRY_MS` between steps and does the connecting.
 */
export const ATTACH_RETRY_MS = 50;
/** `status` is refused until OpenVPN has initialised; asked again this many times at most. */
export const STATUS_ATTEMPTS = 100;

export interface AttachFacts {
  now: number;
  deadline: number;
  /** The process being attached to has exited: nothing left to attach to. */
  processExited: boolean;
  /** The agent let go (shutdown): a socket opened now would belong to nobody. */
  detached: boolean;
  socketExists: boolean;
}

export type AttachStep = 'connect' | 'wait' | 'give_up';

export function attachStep(facts: AttachFacts): AttachStep {
  if (facts.detached || facts.processExited || facts.now >= facts.deadline) return 'give_up';
  return facts.socketExists ? 'connect' : 'wait';
}

/** After a refused `status`: ask again while the connection is open and attempts remain. */
export const askStatusAgain = (attempt: number, connectionOpen: boolean): boolean => connectionOpen && attempt < STATUS_ATTEMPTS;
