import type { Api } from '../lib/api.ts';
import type { VpnServer } from '../../../src/client/types.ts';
import { downloadText, profileFileName } from '../lib/download.ts';
import { TextFieldModal } from './TextFieldModal.tsx';
import { useToasts } from './Toasts.tsx';

/** Issues a client certificate from the server's client CA and downloads a ready-to-connect profile. */
export function ProfileModal({ api, server, onClose }: { api: Api; server: VpnServer; onClose(): void }) {
  const toasts = useToasts();
  return (
    <TextFieldModal
      heading="Issue client certificate"
      label={server.name}
      inputId="profile-cn"
      inputLabel="Common name"
      validate={(cn) => (cn.trim() ? undefined : 'Enter the common name to put in the certificate, e.g. the user’s e-mail.')}
      apiField="common_name"
      failure="Could not issue the client profile"
      primaryText="Issue and download"
      busyText="Issuing…"
      onSubmit={async (cn) => {
        downloadText(profileFileName(server.name, cn), await api.client.createVpnServerClientProfile(server.id, cn));
        toasts.success(`Profile for ${cn} downloaded`, 'It holds a private key: hand it over securely.');
      }}
      onClose={onClose}
    >
      <p style={{ marginBottom: '1rem' }}>Sluice signs a certificate with this server’s client CA and embeds it, with its key, in a profile that connects as is.</p>
    </TextFieldModal>
  );
}
