/**
 * What VPN servers need from the certificate manager: resolve and check CRNs, and issue from the
 * built-in CA when the caller names no certificate (Sluice's convenience beyond the reference).
 */
export interface CertificateDirectory {
  builtInCaCrn(): Promise<string>;
  issueBuiltInServerCertificate(serverName: string): Promise<string>;
  requireCertificateAuthority(crn: string, field: string): Promise<void>;
  requireServerCertificate(crn: string, field: string): Promise<void>;
}
