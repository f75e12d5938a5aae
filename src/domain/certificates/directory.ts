/**
 * What VPN servers need from the certificate manager: resolve and check CRNs and CRLs, issue a
 * server certificate from the built-in CA when the caller names none, and create a server's own
 * client CA when the caller names none (Sluice's conveniences beyond the reference).
 */
export interface CertificateDirectory {
  builtInCaCrn(): Promise<string>;
  issueBuiltInServerCertificate(serverName: string): Promise<string>;
  createClientCa(serverName: string): Promise<string>;
  requireCertificateAuthority(crn: string, field: string): Promise<void>;
  requireServerCertificate(crn: string, field: string): Promise<void>;
  /** Checks that `crl` is a current CRL issued by the CA `caCrn`; returns it re-encoded. */
  checkCrl(caCrn: string, crl: string, field: string): Promise<string>;
}
