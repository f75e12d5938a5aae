import type { GatewayPrototype } from '../../../src/client/types.ts';
import { validateName } from './server-form.ts';

/** The register-gateway form as typed; the API checks the host's and subnet id's shape itself. */
export interface GatewayFormValues {
  name: string;
  host: string;
  subnetId: string;
}

export const emptyGatewayForm: GatewayFormValues = { name: '', host: '', subnetId: '' };

/** The API's body field behind each form field, for placing its refusals. */
export const GATEWAY_FIELDS: Record<keyof GatewayFormValues, string> = { name: 'name', host: 'host', subnetId: 'subnet.id' };

/** What cannot be sent as it is, per field; empty when the form may be sent. */
export function validateGatewayForm(values: GatewayFormValues): Partial<Record<keyof GatewayFormValues, string>> {
  const errors: Partial<Record<keyof GatewayFormValues, string>> = {};
  const name = validateName(values.name);
  if (name) errors.name = name;
  if (!values.host.trim()) errors.host = 'A host is required: the DNS name or IP address VPN clients reach this gateway at.';
  else if (/\s/.test(values.host.trim())) errors.host = 'A host is one DNS name or IP address, without spaces.';
  return errors;
}

/** The body of `POST /v1/gateways`; an empty subnet id is left out (the API uses the gateway's id). */
export function gatewayCreateBody(values: GatewayFormValues): GatewayPrototype {
  const subnet = values.subnetId.trim();
  return { name: values.name.trim(), host: values.host.trim(), ...(subnet && { subnet: { id: subnet } }) };
}

/** The command that runs a gateway host and joins it to the control plane at `origin`. */
export function gatewayJoinCommand(origin: string, token: string): string {
  return `sluice gateway --control-plane ${origin.replace(/\/+$/, '')} --join-token ${token}`;
}
