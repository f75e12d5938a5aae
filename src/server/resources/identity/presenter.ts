import type { TokenPair } from '../../../domain/identity/service.ts';

export const tokenResponse = (pair: TokenPair, nowMs: number) => ({
  access_token: pair.access.token,
  refresh_token: pair.refresh.token,
  token_type: 'Bearer' as const,
  expires_in: pair.access.expiresAt - Math.floor(nowMs / 1000),
  expiration: pair.access.expiresAt,
});
