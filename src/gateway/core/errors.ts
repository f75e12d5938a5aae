/**
 * Typed failures of the gateway's management-protocol layer. They are internal to the agent (the
 * control plane never shows them verbatim), so they carry a machine-readable `reason` rather than
 * an HTTP error code.
 */

/** A command could not be encoded safely (bad CID, control characters in a keyword, too long…). */
export class CommandEncodingError extends Error {
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`);
    this.name = 'CommandEncodingError';
    this.argument = argument;
  }
}

/** OpenVPN answered a command with `ERROR: …`. */
export class ManagementReplyError extends Error {
  readonly command: string;
  readonly reply: string;

  constructor(command: string, reply: string) {
    super(`OpenVPN rejected "${command}": ${reply}`);
    this.name = 'ManagementReplyError';
    this.command = command;
    this.reply = reply;
  }
}

/** The management socket closed (or was never open) while a command was outstanding. */
export class ManagementClosedError extends Error {
  constructor(message = 'management connection closed') {
    super(message);
    this.name = 'ManagementClosedError';
  }
}
