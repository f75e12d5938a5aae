import { useState } from 'react';
import { InlineNotification, Modal, TextInput } from '@carbon/react';
import type { Api } from '../lib/api.ts';
import type { Gateway } from '../../../src/client/types.ts';
import { errorToast, fieldErrors } from '../lib/errors.ts';
import { emptyGatewayForm, gatewayCreateBody, GATEWAY_FIELDS, validateGatewayForm, type GatewayFormValues } from '../lib/gateway-form.ts';

type Errors = Partial<Record<keyof GatewayFormValues, string>>;

/** Registers a gateway; the answer carries its one-time join token, which `onRegistered` shows. */
export function RegisterGatewayModal({ api, onClose, onRegistered }: { api: Api; onClose(): void; onRegistered(gateway: Gateway): void }) {
  const [values, setValues] = useState<GatewayFormValues>(emptyGatewayForm);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<{ title: string; subtitle: string } | undefined>();
  const [busy, setBusy] = useState(false);

  const set = (key: keyof GatewayFormValues, value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const submit = async () => {
    const local = validateGatewayForm(values);
    setErrors(local);
    setFailure(undefined);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      const gateway = await api.client.createGateway(gatewayCreateBody(values));
      onRegistered(gateway);
      onClose();
    } catch (e) {
      // A refusal naming a field goes under it (name_conflict, subnet_conflict, a bad host); anything else above the form.
      const byField = fieldErrors(e);
      const placed: Errors = {};
      for (const key of Object.keys(GATEWAY_FIELDS) as (keyof GatewayFormValues)[]) {
        const message = byField[GATEWAY_FIELDS[key]];
        if (message) placed[key] = message;
      }
      setErrors(placed);
      if (Object.keys(placed).length === 0) setFailure(errorToast('Could not register gateway', e));
    } finally {
      setBusy(false);
    }
  };

  const err = (key: keyof GatewayFormValues) => ({ invalid: !!errors[key], invalidText: errors[key] });

  return (
    <Modal
      open
      size="sm"
      modalHeading="Register gateway"
      modalLabel="Gateways"
      primaryButtonText={busy ? 'Registering…' : 'Register'}
      primaryButtonDisabled={busy}
      secondaryButtonText="Cancel"
      onRequestClose={onClose}
      onRequestSubmit={submit}
      shouldSubmitOnEnter
    >
      <div className="sl-form-stack">
        {failure && <InlineNotification kind="error" title={failure.title} subtitle={failure.subtitle} lowContrast hideCloseButton />}
        <TextInput id="gateway-name" labelText="Name" helperText="Lowercase letters, digits and hyphens" value={values.name} onChange={(e) => set('name', e.target.value)} data-modal-primary-focus {...err('name')} />
        <TextInput id="gateway-host" labelText="Host" helperText="The DNS name or IP address VPN clients reach this gateway at" value={values.host} onChange={(e) => set('host', e.target.value)} {...err('host')} />
        <TextInput
          id="gateway-subnet"
          labelText="Subnet id"
          helperText="Optional; VPN servers name the gateway by it in their subnets. The gateway’s own id when empty"
          value={values.subnetId}
          onChange={(e) => set('subnetId', e.target.value)}
          {...err('subnetId')}
        />
      </div>
    </Modal>
  );
}
