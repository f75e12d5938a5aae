import { useState } from 'react';
import { Modal, TextInput } from '@carbon/react';
import type { Api } from '../lib/api.ts';
import type { VpnServer } from '../../../src/client/types.ts';
import { fieldErrors } from '../lib/errors.ts';
import { downloadText, profileFileName } from '../lib/download.ts';
import { useToasts } from './Toasts.tsx';

/** Issues a client certificate from the server's client CA and downloads a ready-to-connect profile. */
export function ProfileModal({ api, server, onClose }: { api: Api; server: VpnServer; onClose(): void }) {
  const [cn, setCn] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const toasts = useToasts();
  const submit = async () => {
    if (!cn.trim()) return setError('Enter the common name to put in the certificate, e.g. the user’s e-mail.');
    setBusy(true);
    try {
      const res = await api.raw('POST', `/v1/vpn_servers/${encodeURIComponent(server.id)}/client_profile`, { body: { common_name: cn.trim() }, accept: 'text' });
      downloadText(profileFileName(server.name, cn.trim()), await res.text());
      toasts.success(`Profile for ${cn.trim()} downloaded`, 'It holds a private key: hand it over securely.');
      onClose();
    } catch (e) {
      const f = fieldErrors(e);
      if (f.common_name) setError(f.common_name);
      else toasts.failure('Could not issue the client profile', e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      size="sm"
      modalHeading="Issue client certificate"
      modalLabel={server.name}
      primaryButtonText={busy ? 'Issuing…' : 'Issue and download'}
      primaryButtonDisabled={busy}
      secondaryButtonText="Cancel"
      onRequestClose={onClose}
      onRequestSubmit={submit}
      shouldSubmitOnEnter
    >
      <p style={{ marginBottom: '1rem' }}>Sluice signs a certificate with this server’s client CA and embeds it, with its key, in a profile that connects as is.</p>
      <TextInput id="profile-cn" labelText="Common name" value={cn} data-modal-primary-focus invalid={!!error} invalidText={error} onChange={(e) => {
        setCn(e.target.value);
        setError(undefined);
      }} />
    </Modal>
  );
}
