/**
 * The one place that loads @peculiar/x509: its dependency injection needs the Reflect metadata
 * polyfill loaded first, and the library must be pointed at Node's WebCrypto before any
 * certificate is parsed or generated. Import `x509` from here, never from '@peculiar/x509'.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
