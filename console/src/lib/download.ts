/** Saves text as a file through a temporary object URL (browser only). */
export function downloadText(filename: string, text: string, type = 'application/x-openvpn-profile'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A safe file name from a server name and optional suffix. Pure. */
export function profileFileName(serverName: string, commonName?: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'sluice';
  return commonName ? `${clean(serverName)}-${clean(commonName)}.ovpn` : `${clean(serverName)}.ovpn`;
}
