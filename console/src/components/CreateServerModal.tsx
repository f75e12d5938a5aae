import { useState } from 'react';
import { Form, FormGroup, InlineNotification, Modal, NumberInput, Select, SelectItem, TextInput, Toggle } from '@carbon/react';
import type { Api } from '../lib/api.ts';
import type { VpnServer } from '../../../src/client/types.ts';
import { ApiError, errorToast } from '../lib/errors.ts';
import { defaultServerForm, formFieldOf, serverCreateBody, validateServerForm, type ServerFormValues } from '../lib/server-form.ts';

type Errors = Partial<Record<keyof ServerFormValues, string>>;

export function CreateServerModal({ api, onClose, onCreated }: { api: Api; onClose(): void; onCreated(server: VpnServer): void }) {
  const [values, setValues] = useState<ServerFormValues>(defaultServerForm);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<{ title: string; subtitle: string } | undefined>();
  const [busy, setBusy] = useState(false);

  const set = <K extends keyof ServerFormValues>(key: K, value: ServerFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };
  const num = (key: 'port' | 'idleTimeout' | 'autoDeleteHours') => (_: unknown, state: { value: number | string }) => set(key, String(state.value));

  const submit = async () => {
    const local = validateServerForm(values);
    setErrors(local);
    setFailure(undefined);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      const { value: server } = await api.client.createVpnServer(serverCreateBody(values));
      onCreated(server);
      onClose();
    } catch (e) {
      // Messages from the API go next to the field they name; anything else above the form.
      const fieldMessages: Errors = {};
      let placed = false;
      if (e instanceof ApiError) {
        for (const item of e.errors) {
          const field = item.target?.type === 'field' ? formFieldOf(item.target.name) : undefined;
          if (field && !fieldMessages[field]) {
            fieldMessages[field] = `${item.message} (${item.code})`;
            placed = true;
          }
        }
      }
      setErrors(fieldMessages);
      if (!placed) setFailure(errorToast('Could not create VPN server', e));
    } finally {
      setBusy(false);
    }
  };

  const err = (key: keyof ServerFormValues) => ({ invalid: !!errors[key], invalidText: errors[key] });

  return (
    <Modal
      open
      size="md"
      modalHeading="Create VPN server"
      modalLabel="Client-to-site servers"
      primaryButtonText={busy ? 'Creating…' : 'Create'}
      primaryButtonDisabled={busy}
      secondaryButtonText="Cancel"
      onRequestClose={onClose}
      onRequestSubmit={submit}
      hasScrollingContent
    >
      <Form
        aria-label="Create VPN server"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {failure && <InlineNotification kind="error" title={failure.title} subtitle={failure.subtitle} lowContrast hideCloseButton />}
        <FormGroup legendText="Server">
          <div className="sl-form-grid">
            <TextInput id="server-name" labelText="Name" helperText="Optional; generated when empty" value={values.name} onChange={(e) => set('name', e.target.value)} data-modal-primary-focus {...err('name')} />
            <TextInput id="server-pool" labelText="Client IP pool" helperText="IPv4 CIDR, /9 to /22" value={values.clientIpPool} onChange={(e) => set('clientIpPool', e.target.value)} {...err('clientIpPool')} />
            <NumberInput id="server-port" label="Port" min={1} max={65535} value={values.port} onChange={num('port')} allowEmpty {...err('port')} />
            <Select id="server-protocol" labelText="Protocol" value={values.protocol} onChange={(e) => set('protocol', e.target.value as 'udp' | 'tcp')}>
              <SelectItem value="udp" text="UDP" />
              <SelectItem value="tcp" text="TCP" />
            </Select>
          </div>
        </FormGroup>
        <FormGroup legendText="Client authentication">
          <div className="sl-form-grid">
            <Select id="server-auth" labelText="Methods" value={values.authMethods} onChange={(e) => set('authMethods', e.target.value as ServerFormValues['authMethods'])} {...err('authMethods')}>
              <SelectItem value="certificate" text="Client certificate" />
              <SelectItem value="username" text="User ID and passcode" />
              <SelectItem value="certificate,username" text="Certificate and user ID" />
            </Select>
            <TextInput id="server-client-ca" labelText="Client CA CRN" helperText="Optional; a new CA of this server's own when empty" value={values.clientCaCrn} disabled={values.authMethods === 'username'} onChange={(e) => set('clientCaCrn', e.target.value)} {...err('clientCaCrn')} />
            <TextInput id="server-cert" labelText="Server certificate CRN" helperText="Optional; issued by Sluice when empty" value={values.certificateCrn} onChange={(e) => set('certificateCrn', e.target.value)} {...err('certificateCrn')} />
          </div>
        </FormGroup>
        <FormGroup legendText="Clients">
          <div className="sl-form-grid">
            <TextInput id="server-dns" labelText="DNS servers" helperText="Up to two IPv4 addresses, comma-separated" value={values.dns} onChange={(e) => set('dns', e.target.value)} {...err('dns')} />
            <NumberInput id="server-idle" label="Idle timeout (seconds)" helperText="0 = never" min={0} max={28800} step={60} value={values.idleTimeout} onChange={num('idleTimeout')} allowEmpty {...err('idleTimeout')} />
            <NumberInput id="server-autodelete" label="Keep disconnected clients (hours)" helperText="0 = remove at disconnect" min={0} max={24} value={values.autoDeleteHours} onChange={num('autoDeleteHours')} allowEmpty {...err('autoDeleteHours')} />
            <Toggle id="server-split" labelText="Split tunnelling" labelA="Off: all traffic through the VPN" labelB="On: only routes" toggled={values.splitTunnel} onToggle={(on) => set('splitTunnel', on)} />
          </div>
        </FormGroup>
      </Form>
    </Modal>
  );
}
