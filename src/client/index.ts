/** The typed Sluice API client, shared by the CLI and the console. Browser-safe: fetch only. */
export { SluiceClient } from './api.ts';
export type { ClientEventMessage, ClientListQuery, Page, PageQuery, WithEtag } from './api.ts';
export { ApiKeyAuth, staticToken } from './auth.ts';
export type { ApiKeyAuthOptions, CachedTokens, TokenProvider } from './auth.ts';
export { ApiError, NetworkError, apiErrorFrom, apiErrorOf } from './errors.ts';
export type { ApiErrorItem } from './errors.ts';
export { API_VERSION, Transport, apiUrl, nextStart, relativeHref } from './http.ts';
export type { Query, RequestOptions } from './http.ts';
export { createSseParser, parseSse } from './sse.ts';
export type { SseMessage, SseParser } from './sse.ts';
export type * from './types.ts';
