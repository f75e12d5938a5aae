import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';

/** Why a gateway host cannot run: said in one line, the process exits non-zero. */
export class GatewayHostError extends Error {
  override name = 'GatewayHostError';
}

export interface JoinResult {
  gatewayId: string;
  name: string;
  credential: string;
}

/** Where a joined gateway keeps its credential (0600, in its 0700 data dir). */
export const credentialPath = (dataDir: string): string => join(dataDir, 'credential');

/** Which join token the saved credential came from (its SHA-256), so a new token re-enrols. */
const joinedWithPath = (dataDir: string): string => join(dataDir, 'joined-with');
const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * The gateway's credential: the one saved by an earlier join, else the join token exchanged for a
 * new one (and saved before it is used, so a crash right after cannot lose it). A join token other
 * than the one the saved credential came from is a re-enrolment (`sluice gateway-join-token`): it
 * is exchanged and replaces the credential; the same token given again (say, left in a service
 * unit's environment) is not spent twice.
 */
export async function credentialFor(dataDir: string, controlPlanes: readonly string[], joinToken: string | undefined, caPem: string | undefined): Promise<string> {
  const path = credentialPath(dataDir);
  const saved = existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
  const joinedWith = existsSync(joinedWithPath(dataDir)) ? readFileSync(joinedWithPath(dataDir), 'utf8').trim() : undefined;
  if (saved !== undefined && (joinToken === undefined || digest(joinToken) === joinedWith)) return saved;
  if (joinToken === undefined) throw new GatewayHostError(`no credential in ${path}: give --join-token (from \`sluice gateway-create\` or \`sluice gateway-join-token\`) on the first start`);
  const joined = await joinAny(controlPlanes, joinToken, caPem);
  writePrivate(path, joined.credential);
  writePrivate(joinedWithPath(dataDir), digest(joinToken));
  return joined.credential;
}

function writePrivate(path: string, text: string): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${text}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** The join at the first replica that can be reached; a refusal is final (the token is one-time). */
async function joinAny(controlPlanes: readonly string[], joinToken: string, caPem: string | undefined): Promise<JoinResult> {
  let unreachable: GatewayHostError | undefined;
  for (const controlPlane of controlPlanes) {
    try {
      return await exchangeJoinToken(controlPlane, joinToken, caPem);
    } catch (error) {
      if (!(error instanceof UnreachableError)) throw error;
      unreachable = error;
    }
  }
  throw unreachable ?? new GatewayHostError('no control plane URL');
}

class UnreachableError extends GatewayHostError {}

/** `POST /gateway/join`: a one-time join token for a long-lived credential. */
export async function exchangeJoinToken(controlPlane: string, joinToken: string, caPem: string | undefined): Promise<JoinResult> {
  const url = new URL(`${controlPlane}/gateway/join`);
  const body = JSON.stringify({ join_token: joinToken });
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = send(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, ...(caPem !== undefined && { ca: caPem }) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (error) => reject(new UnreachableError(`cannot reach the control plane at ${controlPlane}: ${error.message}`)));
    req.end(body);
  });
  const parsed = parseJson(text);
  if (status !== 200) throw new GatewayHostError(`the control plane refused the join token (HTTP ${status}): ${messageOf(parsed) ?? 'no reason given'}`);
  const gateway = parsed?.gateway as { id?: unknown; name?: unknown } | undefined;
  if (typeof parsed?.credential !== 'string' || typeof gateway?.id !== 'string') throw new GatewayHostError('the control plane answered the join without a credential');
  return { gatewayId: gateway.id, name: String(gateway.name ?? gateway.id), credential: parsed.credential };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const messageOf = (body: Record<string, unknown> | undefined): string | undefined => (body?.errors as { message?: string }[] | undefined)?.[0]?.message;
